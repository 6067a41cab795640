// Pure helpers for ./bench: statistics, compressed sizes, the critical path over the simulator's
// request log, the latency rules and the printed table. No browser, no simulator here.

import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const KB = 1024;
export const kb = (n) => `${(n / KB).toFixed(1)} KB`;
export const ms = (n) => `${Math.round(n)} ms`;
export const secs = (n) => `${(n / 1000).toFixed(2)} s`;
export const ratio = (a, b) => (b > 0 ? a / b : NaN);
export const x = (r) => `${r.toFixed(2)}x`;

/** Nearest-rank percentile of a list of numbers (p in 0..100). */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return {
    n: s.length,
    median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2,
    p10: percentile(s, 10),
    p90: percentile(s, 90),
    min: s[0],
    max: s[s.length - 1],
  };
}

export const spread = (st) => `median ${ms(st.median)} (p10 ${ms(st.p10)}, p90 ${ms(st.p90)}, min ${ms(st.min)}, max ${ms(st.max)})`;

/** Raw, gzip -9 and brotli q11 sizes of one body (what a static host serving precompressed files sends). */
export function sizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

// ---------------------------------------------------------------- scenario

/** Every path the app and tapipy call, as the simulator's one-segment globs. */
const TAPIS_PATHS = [
  '/v3/systems',
  '/v3/systems/*',
  '/v3/systems/credential/*/user/*',
  '/v3/systems/credential/*/user/*/check',
  '/v3/oauth2/tokens',
  '/v3/oauth2/userinfo',
  '/v3/sites',
  '/v3/tenants',
  '/v3/tenants/*',
];

/**
 * Latency-only fault rules (no action) adding `latencyMs` to every request on every Tapis path,
 * preflights included: method `*` skips OPTIONS, so each path gets a second rule naming OPTIONS.
 */
export function latencyRules(latencyMs) {
  return TAPIS_PATHS.flatMap((path) => [
    { method: '*', path, latencyMs },
    { method: 'OPTIONS', path, latencyMs },
  ]);
}

/** Deterministic SSH login times spread evenly over [lo, hi] ms, so runs are comparable. */
export function sshDelay(i, n, lo, hi) {
  if (n <= 1) return Math.round((lo + hi) / 2);
  // A fixed permutation (7 is coprime with any n not divisible by 7; otherwise fall back to i).
  const j = n % 7 ? (i * 7) % n : i;
  return Math.round(lo + ((hi - lo) * j) / (n - 1));
}

// ---------------------------------------------------------------- request log

export const isPreflight = (e) => e.method === 'OPTIONS';

/** The entries (preflights included) for one system, in arrival order. */
export function entriesFor(log, id) {
  return log
    .filter((e) => e.path === `/v3/systems/${id}` || e.path.startsWith(`/v3/systems/credential/${id}/`))
    .sort((a, b) => a.startedMs - b.startedMs || a.seq - b.seq);
}

/**
 * The critical path of a run: each system's requests form one chain (preflight -> request,
 * check -> read system -> create), whose length is the sum of the observed server-side durations
 * (endedMs - startedMs, the injected latency included). The chains are list-scheduled, in the
 * order the systems were given, on `workers` slots, each starting as soon as a slot is free: the
 * time a client with the app's concurrency bound and zero overhead of its own would take.
 */
export function criticalPath(log, ids, workers) {
  const chains = ids.map((id) => {
    const es = entriesFor(log, id);
    return { id, requests: es.length, ms: es.reduce((s, e) => s + (e.endedMs - e.startedMs), 0) };
  });
  const free = Array(workers).fill(0);
  for (const c of chains) {
    const i = free.indexOf(Math.min(...free));
    free[i] += c.ms;
  }
  return { ms: Math.max(...free), serialMs: chains.reduce((s, c) => s + c.ms, 0), chains };
}

/** Requests per system (preflights apart), and the span of the log on the simulator's clock. */
export function logSummary(log, ids) {
  const per = ids.map((id) => entriesFor(log, id));
  const reqs = per.map((es) => es.filter((e) => !isPreflight(e)).length);
  const pre = per.map((es) => es.filter(isPreflight).length);
  const sys = log.filter((e) => e.path.startsWith('/v3/systems'));
  return {
    requests: reqs.reduce((a, b) => a + b, 0),
    preflights: pre.reduce((a, b) => a + b, 0),
    perSystem: { min: Math.min(...reqs), max: Math.max(...reqs), mean: reqs.reduce((a, b) => a + b, 0) / ids.length },
    preflightsPerSystem: { min: Math.min(...pre), max: Math.max(...pre) },
    other: log.filter((e) => !per.flat().includes(e)).map((e) => `${e.method} ${e.path}`),
    spanMs: sys.length ? Math.max(...sys.map((e) => e.endedMs)) - Math.min(...sys.map((e) => e.startedMs)) : 0,
    statuses: [...new Set(log.filter((e) => !isPreflight(e)).map((e) => e.status))].sort(),
  };
}

export const perSystemText = (p) => (p.min === p.max ? `${p.min}` : `${p.min}..${p.max} (mean ${p.mean.toFixed(2)})`);

// ---------------------------------------------------------------- table

/** Rows are [figure, measured, target, verdict] or a string (a section heading). */
export function table(rows) {
  const cells = rows.filter((r) => Array.isArray(r));
  const w = [0, 1, 2].map((i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r) =>
    `${String(r[0]).padEnd(w[0])}  ${String(r[1] ?? '').padEnd(w[1])}  ${String(r[2] ?? '').padEnd(w[2])}  ${r[3] ?? ''}`.trimEnd();
  const out = [line(['figure', 'measured', 'target', '']), '-'.repeat(w[0] + w[1] + w[2] + 12)];
  for (const r of rows) out.push(Array.isArray(r) ? line(r) : `${r}`);
  return out.join('\n');
}

export const verdict = (ok) => (ok === undefined || Number.isNaN(ok) ? '' : ok ? 'met' : 'MISSED');
