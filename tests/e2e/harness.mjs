// End-to-end harness: the simulator (target/debug/tapis-sim) behind a TLS + HTTP/2 proxy, a static
// server for the release build (E2E_DIST, served at / and at /sub/path/), and headless Chromium
// through playwright-core.
// No npm dependencies beyond playwright-core; everything else is Node's standard library.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startH2Proxy } from './h2-proxy.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = path.resolve(process.env.E2E_DIST || path.join(ROOT, 'target/e2e-dist'));
export const SIM_BIN = process.env.TAPIS_SIM_BIN || path.join(ROOT, 'target/debug/tapis-sim');
export const SCREENSHOTS = path.join(ROOT, 'target/screenshots');
export const SUB_PATH = '/sub/path/';
const TLS_DIR = path.join(ROOT, 'target/e2e-tls');
/** The engine's bound on systems worked on at once, read from its one definition in tms-core. */
export const ENGINE_CONCURRENCY = (() => {
  const source = readFileSync(path.join(ROOT, 'crates/tms-core/src/engine/mod.rs'), 'utf8');
  const found = /pub const DEFAULT_CONCURRENCY: usize = (\d+);/.exec(source);
  if (!found) throw new Error('harness: DEFAULT_CONCURRENCY not found in crates/tms-core/src/engine/mod.rs');
  return Number(found[1]);
})();
/** The engine's in-progress row states (`Step::state` in tms-core), "queued" first. */
export const ENGINE_STEPS = (() => {
  const source = readFileSync(path.join(ROOT, 'crates/tms-core/src/engine/mod.rs'), 'utf8');
  const body = /pub fn state\(&self\) -> &'static str \{([\s\S]*?)\n    \}/.exec(source)?.[1] ?? '';
  const states = [...body.matchAll(/=> "([a-z-]+)"/g)].map((m) => m[1]);
  if (states[0] !== 'queued') throw new Error('harness: Step::state not found in crates/tms-core/src/engine/mod.rs');
  return states;
})();
/** Ids `prefix1`, `prefix2`, …: enough to fill the engine's slots, and `queued` more that must wait. */
export const pastTheBound = (prefix, queued = 2) =>
  Array.from({ length: ENGINE_CONCURRENCY + queued }, (_, i) => `${prefix}${i + 1}`);

// ---------------------------------------------------------------- simulator

// Simulators still running when this process ends (a crash, a cancelled run) are killed with it,
// so none is left listening after the suite.
const live = new Set();
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});

/**
 * Starts the simulator on a free loopback port, behind a TLS + HTTP/2 proxy as Tapis is behind
 * its nginx (h2-proxy.mjs). `scenario` is a file path, an object (written to a temporary JSON
 * file) or undefined (the built-in demo scenario). The returned `Sim`'s `url` is the tenant the
 * app talks to (the proxy, which the simulator's tokens name); its control endpoints are called
 * directly. Resolves once the simulator prints "listening on http://127.0.0.1:PORT".
 */
export async function startSim(scenario) {
  const tenant = await startH2Proxy(TLS_DIR);
  try {
    const sim = await spawnSim(scenario, tenant.url);
    tenant.forwardTo(sim.controlUrl);
    return new Sim(tenant, sim.controlUrl, sim.proc);
  } catch (e) {
    await tenant.close();
    throw e;
  }
}

async function spawnSim(scenario, publicUrl) {
  if (!existsSync(SIM_BIN)) {
    throw new Error(`${SIM_BIN} is missing: run \`cargo build -p tapis-sim\` first`);
  }
  const args = ['--listen', '127.0.0.1:0'];
  if (typeof scenario === 'string') {
    args.push('--scenario', scenario);
  } else if (scenario) {
    const dir = mkdtempSync(path.join(tmpdir(), 'tms-e2e-'));
    const file = path.join(dir, 'scenario.json');
    writeFileSync(file, JSON.stringify(scenario, null, 2));
    args.push('--scenario', file);
  }
  args.push('--public-url', publicUrl);
  const proc = spawn(SIM_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const lines = createInterface({ input: proc.stdout });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tapis-sim did not start in 10 s: ${stderr}`)), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      m ? resolve(m[1]) : reject(new Error(`unexpected first line from tapis-sim: ${line} ${stderr}`));
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tapis-sim exited with ${code}: ${stderr}`));
    });
  });
  return { controlUrl: url, proc };
}

export class Sim {
  constructor(tenant, controlUrl, proc) {
    /** The tenant's base URL, as the app and its tokens know it: the proxy. */
    this.url = tenant.url;
    /** Where the simulator itself listens: `/sim/` control, and `/v3/` asked directly (no browser). */
    this.controlUrl = controlUrl;
    this.tenant = tenant;
    this.proc = proc;
  }

  async control(method, p, body) {
    const res = await fetch(this.controlUrl + p, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p} -> ${res.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** The request log without CORS preflights (the control endpoints are never logged). */
  async log() {
    return (await this.control('GET', '/sim/log')).filter((e) => e.method !== 'OPTIONS');
  }
  /** The whole request log, CORS preflights included. */
  rawLog() {
    return this.control('GET', '/sim/log');
  }
  clearLog() {
    return this.control('DELETE', '/sim/log');
  }
  reset() {
    return this.control('POST', '/sim/reset');
  }
  setFaults(rules) {
    return this.control('PUT', '/sim/faults', rules);
  }
  async token(username, lifetimeSecs) {
    const body = lifetimeSecs === undefined ? { username } : { username, lifetimeSecs };
    return (await this.control('POST', '/sim/token', body)).accessToken;
  }
  revoke(username) {
    return this.control('POST', '/sim/revoke', { username });
  }
  credentials() {
    return this.control('GET', '/sim/credentials');
  }

  async stop() {
    await this.tenant.close();
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}

/** The log entries that concern one system, in the order the simulator received them. */
export function forSystem(log, id) {
  return log.filter(
    (e) => e.path === `/v3/systems/${id}` || e.path.startsWith(`/v3/systems/credential/${id}/`),
  );
}

/** "check 401", "get 200", "create 201", "delete 200", ... : a readable step for a log entry. */
export function step(e) {
  const kind =
    e.method === 'POST' && e.path.endsWith('/check')
      ? 'check'
      : e.method === 'GET' && /^\/v3\/systems\/[^/]+$/.test(e.path)
        ? 'get'
        : e.method === 'POST' && e.path.startsWith('/v3/systems/credential/')
          ? 'create'
          : e.method === 'DELETE'
            ? 'delete'
            : `${e.method} ${e.path}`;
  return `${kind} ${e.status}`;
}

export const isCheck = (e) => e.method === 'POST' && e.path.endsWith('/check');
export const isCreate = (e) =>
  e.method === 'POST' && e.path.startsWith('/v3/systems/credential/') && !e.path.endsWith('/check');

/** A LINUX TMS_KEYS system definition for scenarios. */
export function tmsSystem(id, behaviour = {}, extra = {}) {
  return {
    id,
    host: `${id}.tacc.utexas.edu`,
    systemType: 'LINUX',
    defaultAuthnMethod: 'TMS_KEYS',
    behaviour: { sshCheckDelayMs: 50, ...behaviour },
    ...extra,
  };
}

export function scenario({ systems, credentials = [], faults = [], users } = {}) {
  return {
    tenantId: 'designsafe',
    tokenLifetimeSecs: 14400,
    seed: 7,
    users: users ?? [{ username: 'demo', password: 'demo-pw' }],
    systems,
    credentials,
    faults,
  };
}

// ---------------------------------------------------------------- static server

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Serves DIST at `/` and at `/sub/path/`; resolves to its origin. */
export async function startStatic(dist = DIST) {
  if (!existsSync(path.join(dist, 'index.html'))) {
    throw new Error(`${dist}/index.html is missing: build with trunk first (E2E_DIST)`);
  }
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.startsWith(SUB_PATH)) p = '/' + p.slice(SUB_PATH.length);
    else if (p === SUB_PATH.slice(0, -1)) {
      res.writeHead(301, { location: SUB_PATH });
      return res.end();
    }
    if (p.endsWith('/')) p += 'index.html';
    const root = path.resolve(dist);
    const file = path.join(root, path.normalize(p));
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    close: () => new Promise((resolve) => server.close(resolve)),
    server,
  };
}

// ---------------------------------------------------------------- browser

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh context and page that records console errors and page errors. Chromium reports every
 * non-2xx fetch answer as a console error ("Failed to load resource: ... status of 401"); those are
 * the simulator's normal protocol answers (a missing credential is a 401), so they are tolerated
 * when the failing resource is on one of `allowNetworkErrorsFrom` (origins). Anything else is an error.
 */
export async function openPage(browser, { allowNetworkErrorsFrom = [], viewport } = {}) {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: viewport ?? { width: 1280, height: 900 },
    // The simulator's proxy has a throwaway self-signed certificate (h2-proxy.mjs).
    ignoreHTTPSErrors: true,
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location()?.url ?? '';
    const expected =
      /^Failed to load resource: the server responded with a status of \d+/.test(msg.text()) &&
      allowNetworkErrorsFrom.some((o) => where.startsWith(o));
    if (!expected) errors.push(`console.error: ${msg.text()} (${where})`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err.stack || err.message}`));
  page.setDefaultTimeout(15_000);
  return {
    page,
    context,
    errors,
    /** Throws when anything unexpected reached the console. */
    assertNoErrors() {
      if (errors.length) throw new Error(`unexpected browser errors:\n${errors.join('\n')}`);
    },
    close: () => context.close(),
  };
}

/** Loads the app and waits until it has mounted (its h1 inside #tms-credentials). */
export async function loadApp(page, origin, { subPath = false, query = '' } = {}) {
  const url = origin + (subPath ? SUB_PATH : '/') + query;
  const res = await page.goto(url);
  if (!res || res.status() !== 200) throw new Error(`GET ${url} -> ${res?.status()}`);
  await page.waitForSelector('#tms-credentials h1', { timeout: 20_000 });
  await page.waitForSelector('#token-status[data-state]', { state: 'attached' });
}

/** Pastes a token and waits for the status to leave `none`. */
export async function pasteToken(page, token, expected = 'valid') {
  await page.fill('#token', token);
  await page.waitForSelector(`#token-status[data-state="${expected}"]`, { timeout: 5000 });
}

/** Replaces the systems chips with `ids`. */
export async function setSystems(page, ids) {
  for (let n = 0; n < 50; n++) {
    const button = await page.$('[data-chip] button');
    if (!button) break;
    await button.click();
  }
  await page.fill('#systems', ids.join(', '));
  await page.press('#systems', 'Enter');
  const chips = await page.$$eval('[data-chip]', (els) => els.map((e) => e.getAttribute('data-chip')));
  if (JSON.stringify(chips) !== JSON.stringify(ids)) {
    throw new Error(`chips are ${JSON.stringify(chips)}, wanted ${JSON.stringify(ids)}`);
  }
}

/** Every row as {system, state, problem, detail, next}. */
export function rows(page) {
  return page.$$eval('[data-system]', (els) =>
    els.map((e) => ({
      system: e.getAttribute('data-system'),
      state: e.getAttribute('data-state'),
      problem: e.getAttribute('data-problem'),
      detail: e.querySelector('.detail')?.textContent ?? '',
      next: e.querySelector('.next')?.textContent ?? '',
    })),
  );
}

/** One row as {system, state, problem, detail, next}, or null. */
export async function row(page, id) {
  return (await rows(page)).find((r) => r.system === id) ?? null;
}

/**
 * The most requests in flight at once, from the simulator log's start and end times (CORS
 * preflights left out: the browser sends them, not the engine). Requests that touch at the
 * same millisecond are not counted as overlapping.
 */
export function maxInFlight(log) {
  const edges = [];
  for (const e of log) {
    if (e.method === 'OPTIONS') continue;
    edges.push([e.startedMs, 1], [e.endedMs, -1]);
  }
  // Ends before starts at the same instant.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

/**
 * The requests the page sends to `origin`, as the browser saw them, in the order it sent them:
 * {method, path, query, url, headers, status, at}; status is the answer's, 0 when the request
 * failed (no answer, CORS), null while pending. One entry per fetch even when Chromium's network
 * stack re-sends a request on its own after a dropped connection (the simulator then logs more).
 */
export function track(page, origin) {
  const seen = [];
  const byRequest = new Map();
  page.on('request', (r) => {
    if (!r.url().startsWith(origin)) return;
    const u = new URL(r.url());
    const entry = { method: r.method(), path: u.pathname, query: u.search.slice(1), url: r.url(), headers: r.headers(), status: null, at: Date.now() };
    byRequest.set(r, entry);
    seen.push(entry);
  });
  page.on('response', (res) => {
    const entry = byRequest.get(res.request());
    if (entry) entry.status = res.status();
  });
  page.on('requestfailed', (r) => {
    const entry = byRequest.get(r);
    if (entry) entry.status = 0;
  });
  return seen;
}

/**
 * The browser's errors other than failed requests to `origin` (CORS refusals, dropped
 * connections), which fault tests cause on purpose.
 */
export function unexpectedErrors(errors, origin) {
  return errors.filter((e) => !(e.includes(origin) && /CORS policy|net::ERR_|status of \d+/.test(e)));
}

/** An answer that says nothing certain about whether Tapis acted: no answer, or a 5xx. */
export const isAmbiguous = (e) => e.status === 0 || e.status >= 500;

/**
 * For every system, no create directly follows an ambiguous answer to a create: Tapis may have
 * stored the key, so the engine must check first. Returns the offending pairs as text.
 */
export function createsAfterAmbiguous(log) {
  const bad = [];
  const bySystem = new Map();
  for (const e of log) {
    const m = /^\/v3\/systems\/(?:credential\/)?([^/]+)/.exec(e.path);
    if (!m || e.method === 'OPTIONS') continue;
    if (!bySystem.has(m[1])) bySystem.set(m[1], []);
    bySystem.get(m[1]).push(e);
  }
  for (const [id, entries] of bySystem) {
    entries.sort((a, b) => a.startedMs - b.startedMs || a.seq - b.seq);
    for (let i = 1; i < entries.length; i++) {
      const [prev, next] = [entries[i - 1], entries[i]];
      if (isCreate(prev) && isAmbiguous(prev) && isCreate(next)) bad.push(`${id}: ${step(prev)} then ${step(next)}`);
    }
  }
  return bad;
}

/**
 * Waits for a row to reach `state`; on timeout the error shows every row and the simulator log,
 * which is what one needs to tell an app bug from a slow machine.
 */
export async function waitRow(page, id, state, { timeout = 15_000, sim } = {}) {
  try {
    await page.waitForSelector(`[data-system="${id}"][data-state="${state}"]`, { timeout });
  } catch (e) {
    const seen = await rows(page).catch(() => []);
    const log = sim ? (await sim.log().catch(() => [])).map((x) => `${x.method} ${x.path}?${x.query} ${x.status}`) : [];
    throw new Error(
      `row ${id} did not reach ${state} in ${timeout} ms\nrows: ${JSON.stringify(seen, null, 1)}\nsim log:\n${log.join('\n')}`,
      { cause: e },
    );
  }
}

/** Waits for the run summary to say `done` (use after the rows have changed, not before). */
export function waitDone(page, timeout = 20_000) {
  return page.waitForSelector('#summary[data-state="done"]', { timeout });
}

export function screenshotPath(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, name);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Per-file fixture: one static server and one browser for the file; a simulator and a fresh
 * context per test. Use as `const env = fixture(); ... const { page, sim } = await env.open(t, scenario)`.
 */
export function fixture() {
  const env = { browser: null, web: null };
  env.setup = async () => {
    env.web = await startStatic();
    env.browser = await launchBrowser();
  };
  env.teardown = async () => {
    await env.browser?.close();
    await env.web?.close();
  };
  /** Starts a simulator with `scenarioDef` and a page that tolerates its HTTP error answers. */
  env.open = async (t, scenarioDef, { query, subPath, beforeLoad } = {}) => {
    const sim = await startSim(scenarioDef);
    t.after(() => sim.stop());
    const p = await openPage(env.browser, { allowNetworkErrorsFrom: [sim.url] });
    t.after(() => p.close());
    // e.g. installing Playwright's fake clock, which must happen before the page loads.
    if (beforeLoad) await beforeLoad(p.page, sim);
    const q = typeof query === 'function' ? query(sim) : query;
    await loadApp(p.page, env.web.origin, { subPath, query: q ?? '' });
    return { ...p, sim };
  };
  return env;
}
