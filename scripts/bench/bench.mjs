// ./bench's measurements, in one go: first-load transfer, start-up against a bare floor page, and
// time-to-done against the critical path and the notebook way (tapipy). Prints one table and writes
// target/bench/report.json. Nothing here passes or fails on a number: targets are shown, not asserted.
//
// Uses the end-to-end harness (static server, simulator, headless Chromium) and reads:
//   E2E_DIST          the release build to measure (./bench builds target/bench-dist)
//   BENCH_LOADS       cold loads per page for start-up (default 20, at least 15 recommended)
//   BENCH_SIZES       system counts for time-to-done (default "3,30")
//   BENCH_PYTHON      the Python with tapipy (default ~/.cache/tms-credentials/venv/bin/python)

import { execFileSync, execSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import {
  DIST, ENGINE_CONCURRENCY, ENGINE_STEPS, ROOT, launchBrowser, openPage, pasteToken, scenario, setSystems, startSim, startStatic, tmsSystem,
} from '../../tests/e2e/harness.mjs';
import {
  KB, criticalPath, kb, latencyRules, logSummary, ms, perSystemText, ratio, secs, sizes, spread, sshDelay, stats,
  table, verdict, x,
} from './lib.mjs';

const OUT = path.join(ROOT, 'target/bench');
const LOADS = Number(process.env.BENCH_LOADS || 20);
const COUNTS = (process.env.BENCH_SIZES || '3,30').split(',').map(Number);
const PYTHON = process.env.BENCH_PYTHON || path.join(homedir(), '.cache/tms-credentials/venv/bin/python');
const LATENCY_MS = 100; // per request, preflights included
const SSH_MS = [1000, 2000]; // each check's and each create's SSH login
const CONCURRENCY = ENGINE_CONCURRENCY; // the engine's default bound
const USER = 'demo';
const TARGET = { gzip: 120 * KB, startupMs: 100, floorRatio: 2, pathRatio: 1.15, notebookRatio: 5 };

const log = (...a) => console.error('[bench]', ...a);

// ---------------------------------------------------------------- in-page instrumentation

// Runs before any page script: times WebAssembly compilation/instantiation as the page calls it, and
// notes when the token input first exists (the start-up end point when the app sets no mark).
const INIT = () => {
  const B = (window.__bench = { wasm: [] });
  for (const name of ['instantiateStreaming', 'instantiate', 'compileStreaming', 'compile']) {
    const orig = WebAssembly[name];
    if (typeof orig !== 'function') continue;
    WebAssembly[name] = function (...args) {
      const start = performance.now();
      const p = orig.apply(this, args);
      p.then(
        () => B.wasm.push({ name, start, end: performance.now() }),
        () => B.wasm.push({ name, start, end: performance.now(), failed: true }),
      );
      return p;
    };
  }
  // The mark must mean "usable": note whether the token input is in the DOM when it is set.
  const mark = performance.mark.bind(performance);
  performance.mark = (name, ...rest) => {
    if (name === 'tms:ready') B.inputAtMark = !!document.getElementById('token');
    return mark(name, ...rest);
  };
  const seen = () => {
    if (B.tokenAt === undefined && document.getElementById('token')) B.tokenAt = performance.now();
    return B.tokenAt !== undefined;
  };
  const obs = new MutationObserver(() => seen() && obs.disconnect());
  obs.observe(document, { childList: true, subtree: true });
};

/** Start-up figures of the loaded page, all in ms since navigation start. */
async function readStartup(page) {
  // The app marks tms:ready right after its first render pass (services/page.rs mark_ready).
  await page.waitForFunction(() => window.__bench?.tokenAt !== undefined, null, { timeout: 20_000 });
  await page
    .waitForFunction(() => performance.getEntriesByName('tms:ready', 'mark').length > 0, null, { timeout: 2000 })
    .catch(() => {});
  return page.evaluate(() => {
    const mark = performance.getEntriesByName('tms:ready', 'mark')[0];
    const nav = performance.getEntriesByType('navigation')[0];
    const wasmRes = performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm'));
    const inst = window.__bench.wasm.find((w) => !w.failed && /^instantiate/.test(w.name));
    return {
      readyMs: mark ? mark.startTime : window.__bench.tokenAt,
      source: mark ? 'mark' : 'token-input',
      inputAtMark: window.__bench.inputAtMark,
      tokenInputMs: window.__bench.tokenAt,
      domContentLoadedMs: nav?.domContentLoadedEventEnd,
      wasmFetch: wasmRes[0] ? { startMs: wasmRes[0].startTime, responseEndMs: wasmRes[0].responseEnd } : null,
      wasmInstantiate: inst ? { call: inst.name, startMs: inst.start, endMs: inst.end } : null,
    };
  });
}

// ---------------------------------------------------------------- 1. first-load transfer

async function firstLoad(browser, origin) {
  const context = await browser.newContext();
  await context.addInitScript(INIT);
  const page = await context.newPage();
  const files = [];
  page.on('requestfinished', (req) => files.push(req));
  await page.goto(origin + '/');
  await readStartup(page);
  await page.waitForLoadState('networkidle');
  const markup = await page.$eval('#tms-credentials', (el) => el.outerHTML);
  const rows = [];
  for (const req of files) {
    const res = await req.response();
    const body = res ? await res.body() : Buffer.alloc(0);
    rows.push({ file: new URL(req.url()).pathname.replace(/^\//, '') || 'index.html', type: req.resourceType(), status: res?.status(), ...sizes(body) });
  }
  await context.close();
  const total = rows.reduce((t, r) => ({ raw: t.raw + r.raw, gzip: t.gzip + r.gzip, brotli: t.brotli + r.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  return { files: rows, total, markup };
}

// ---------------------------------------------------------------- floor page

/**
 * The floor: the built index.html (its head, CSP included) without its scripts and wasm/JS preloads,
 * with the app's own first render (captured from the page) in place of the empty mount point, the
 * same stylesheet and icon, and scripts/bench/floor-ready.js at the end of the body marking
 * `tms:ready` (a classic script there runs once the markup is parsed and the stylesheet applied; it
 * is a file, not inline, because the page's CSP forbids inline scripts). Written to target/bench/floor/.
 */
function writeFloor(markup) {
  const dir = path.join(OUT, 'floor');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(DIST, dir, { recursive: true, filter: (f) => !/\.(wasm|js)$/.test(f) });
  cpSync(path.join(ROOT, 'scripts/bench/floor-ready.js'), path.join(dir, 'floor-ready.js'));
  let html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  html = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '')
    // Attributes in any order and quotes optional: the release build's HTML is minified.
    .replace(/<link\b[^>]*\brel=["']?(?:modulepreload|preload)\b[^>]*>/g, '')
    .replace(/<main\b[^>]*\bid=["']?tms-credentials\b[\s\S]*?<\/main>/, () => `${markup}\n    <script src="./floor-ready.js"></script>`);
  const left = /[^"'\s]+\.wasm|[^"'\s/]+\.js\b/g;
  const refs = (html.match(left) ?? []).filter((r) => r !== 'floor-ready.js');
  if (refs.length) throw new Error(`floor page still references ${refs.join(', ')}`);
  writeFileSync(path.join(dir, 'index.html'), html);
  return dir;
}

// ---------------------------------------------------------------- 2. start-up

async function startup(browser, appOrigin, floorOrigin) {
  const samples = { app: [], floor: [] };
  for (let i = -1; i < LOADS; i++) {
    // Interleaved, so a colleague's compile slows both pages alike.
    for (const [which, origin] of [['app', appOrigin], ['floor', floorOrigin]]) {
      const context = await browser.newContext(); // cold: a new context has an empty HTTP and code cache
      await context.addInitScript(INIT);
      const page = await context.newPage();
      await page.goto(origin + '/');
      const sample = await readStartup(page);
      if (i >= 0) samples[which].push(sample); // load -1 warms the OS and Chromium up, and is dropped
      await context.close();
    }
  }
  const ready = (s) => stats(s.map((r) => r.readyMs));
  const app = samples.app;
  const withInst = app.filter((r) => r.wasmInstantiate);
  return {
    loads: LOADS,
    source: [...new Set(app.map((r) => r.source))].join('+'),
    // Loads whose tms:ready came before the token input was in the DOM: must be 0.
    markBeforeInput: app.filter((r) => r.source === 'mark' && !r.inputAtMark).length,
    app: ready(app),
    floor: ready(samples.floor),
    wasmInstantiate: stats(withInst.map((r) => r.wasmInstantiate.endMs - r.wasmInstantiate.startMs)),
    // Compile + instantiate once the bytes are in: from the later of the call and the last byte (the
    // page preloads the wasm, so the bytes are often in before the call) to the promise resolving.
    wasmCompile: stats(
      withInst.map((r) => r.wasmInstantiate.endMs - Math.max(r.wasmInstantiate.startMs, r.wasmFetch?.responseEndMs ?? 0)),
    ),
    wasmFetchEnd: stats(app.filter((r) => r.wasmFetch).map((r) => r.wasmFetch.responseEndMs)),
    instantiatedToReady: stats(withInst.map((r) => r.readyMs - r.wasmInstantiate.endMs)),
    toInstantiateCall: stats(withInst.map((r) => r.wasmInstantiate.startMs)),
    tokenInput: stats(app.map((r) => r.tokenInputMs)),
    instantiateCall: [...new Set(withInst.map((r) => r.wasmInstantiate.call))].join('+'),
    samples,
  };
}

// ---------------------------------------------------------------- 3 and 4. time-to-done

function benchScenario(n, present) {
  const ids = Array.from({ length: n }, (_, i) => `bench-${String(i).padStart(2, '0')}`);
  const systems = ids.map((id, i) => tmsSystem(id, { sshCheckDelayMs: sshDelay(i, n, ...SSH_MS) }));
  const credentials = present ? ids.map((systemId) => ({ systemId, username: USER })) : [];
  return { ids, def: scenario({ systems, credentials, faults: latencyRules(LATENCY_MS) }) };
}

async function appRun(browser, origin, sim, ids, expected) {
  const { page, close, assertNoErrors } = await openPage(browser, { allowNetworkErrorsFrom: [sim.url] });
  try {
    await page.goto(origin + '/');
    await page.waitForSelector('#token');
    await pasteToken(page, await sim.token(USER, 3600));
    await setSystems(page, ids);
    await sim.clearLog();
    // Both ends measured in the page: the click event, and the DOM change that leaves no row active.
    await page.evaluate(
      ({ n, active }) => {
        const B = (window.__run = {});
        document.querySelector('#establish').addEventListener('click', () => (B.click = performance.now()), { capture: true, once: true });
        const obs = new MutationObserver(() => {
          if (B.click === undefined) return;
          const rows = [...document.querySelectorAll('[data-system]')];
          if (rows.length === n && rows.every((r) => !active.includes(r.getAttribute('data-state')))) {
            B.done = performance.now();
            obs.disconnect();
          }
        });
        obs.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
      },
      { n: ids.length, active: ENGINE_STEPS },
    );
    await page.click('#establish');
    await page.waitForFunction(() => window.__run.done !== undefined, null, { timeout: 600_000, polling: 100 });
    const wallMs = await page.evaluate(() => window.__run.done - window.__run.click);
    const states = await page.$$eval('[data-system]', (els) => els.map((e) => e.getAttribute('data-state')));
    const wrong = states.filter((s) => s !== expected);
    if (wrong.length) throw new Error(`app run: ${wrong.length} rows ended ${[...new Set(wrong)]}, expected ${expected}`);
    assertNoErrors();
    return { wallMs, log: await sim.control('GET', '/sim/log') };
  } finally {
    await close();
  }
}

async function notebookRun(sim, ids) {
  const token = await sim.token(USER, 3600);
  const proc = spawn(PYTHON, [path.join(ROOT, 'scripts/bench/notebook_way.py'), sim.url, token, USER, ...ids], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The proxy's self-signed certificate: notebook_way.py gives it to tapipy as `verify`.
    env: { ...process.env, REQUESTS_CA_BUNDLE: sim.tenant.certFile },
  });
  let out = '', err = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (err += d));
  const [code] = await once(proc, 'exit');
  if (code !== 0) throw new Error(`notebook_way.py exited ${code}: ${err}`);
  const result = JSON.parse(out);
  return { ...result, log: await sim.control('GET', '/sim/log') };
}

async function timeToDone(browser, origin, n, present) {
  const { ids, def } = benchScenario(n, present);
  const expected = present ? 'present' : 'created';
  // Both clients reach the simulator the way they reach Tapis: through TLS + HTTP/2 (tests/e2e/h2-proxy.mjs).
  const sim = await startSim(def);
  try {
    log(`${n} systems, credentials ${present ? 'present' : 'missing'}: app`);
    const app = await appRun(browser, origin, sim, ids, expected);
    const appProtocols = sim.tenant.takeProtocols();
    await sim.reset(); // back to the scenario: credentials, log; the latency rules are in the scenario
    log(`${n} systems, credentials ${present ? 'present' : 'missing'}: notebook way (sequential tapipy)`);
    const nb = await notebookRun(sim, ids);
    const nbProtocols = sim.tenant.takeProtocols();
    const nbWrong = nb.systems.filter((s) => s.outcome !== expected);
    if (nbWrong.length) throw new Error(`notebook: ${JSON.stringify(nbWrong)}`);
    const cp = criticalPath(app.log, ids, CONCURRENCY);
    // What if: the same observed chains on more slots; the least concurrency that would put the
    // notebook way TARGET.notebookRatio times behind the critical path.
    const whatIf = Object.fromEntries([2, 4, 6, 8, 12, 16].map((c) => [c, criticalPath(app.log, ids, c).ms]));
    let needed = null;
    for (let c = 1; c <= n && !needed; c++) {
      const cpc = criticalPath(app.log, ids, c).ms;
      if (nb.totalMs / cpc >= TARGET.notebookRatio) needed = { concurrency: c, ms: cpc };
    }
    const appLog = logSummary(app.log, ids);
    const nbLog = logSummary(nb.log.filter((e) => e.path.startsWith('/v3/systems')), ids);
    return {
      systems: n,
      credentials: present ? 'present' : 'missing',
      sshCheckDelayMs: def.systems.map((s) => s.behaviour.sshCheckDelayMs),
      app: { wallMs: app.wallMs, protocols: appProtocols, ...appLog },
      criticalPath: {
        ms: cp.ms, serialMs: cp.serialMs, concurrency: CONCURRENCY, includesPreflights: appLog.preflights > 0,
        byConcurrency: whatIf, forNotebookTarget: needed, chains: cp.chains,
      },
      notebook: { totalMs: nb.totalMs, clientMs: nb.clientMs, protocols: nbProtocols, ...nbLog },
      appOverCriticalPath: ratio(app.wallMs, cp.ms),
      notebookOverApp: ratio(nb.totalMs, app.wallMs),
      notebookOverCriticalPath: ratio(nb.totalMs, cp.ms),
    };
  } finally {
    await sim.stop();
  }
}

// ---------------------------------------------------------------- machine

function machine(chromiumVersion) {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  const git = (args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  let commit = 'unknown';
  try {
    commit = git(['rev-parse', '--short', 'HEAD']) + (git(['status', '--porcelain', '--', 'src', 'crates', 'index.html', 'www', 'Cargo.toml', 'Cargo.lock']) ? ' (+ uncommitted changes)' : '');
  } catch {}
  return {
    nproc: Number(execSync('nproc', { encoding: 'utf8' }).trim()),
    cpu,
    chromium: chromiumVersion,
    node: process.version,
    // Other work on the machine (colleagues compiling) shows up in every figure: keep it with them.
    loadAverage: { atStart: LOAD_AT_START, atEnd: loadavg().map((l) => +l.toFixed(2)) },
    commit,
    date: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------- main

const started = Date.now();
const LOAD_AT_START = loadavg().map((l) => +l.toFixed(2));
mkdirSync(OUT, { recursive: true });
const web = await startStatic(DIST);
const browser = await launchBrowser();
let report;
try {
  log('first load');
  const transfer = await firstLoad(browser, web.origin);
  const floorDir = writeFloor(transfer.markup);
  const floorWeb = await startStatic(floorDir);
  let start;
  try {
    log(`start-up: ${LOADS} cold loads of the app and of the floor page`);
    start = await startup(browser, web.origin, floorWeb.origin);
  } finally {
    await floorWeb.close();
  }
  const runs = [];
  for (const present of [false, true]) for (const n of COUNTS) runs.push(await timeToDone(browser, web.origin, n, present));
  delete transfer.markup;
  report = {
    machine: machine(browser.version()),
    settings: {
      loads: LOADS, latencyMs: LATENCY_MS, sshCheckDelayMs: SSH_MS, concurrency: CONCURRENCY, tenant: 'simulator behind TLS + HTTP/2 (tests/e2e/h2-proxy.mjs)', targets: TARGET,
    },
    transfer,
    startup: start,
    runs,
    benchSeconds: Math.round((Date.now() - started) / 1000),
  };
} finally {
  await browser.close();
  await web.close();
}
writeFileSync(path.join(OUT, 'report.json'), JSON.stringify(report, null, 2) + '\n');

// ---------------------------------------------------------------- the table

const { transfer: t, startup: s, runs, machine: m } = report;
const rows = [];
rows.push('1. first-load transfer (every response of a cold load; gzip -9, brotli q11)');
for (const f of t.files) rows.push([`  ${f.file}`, `${kb(f.raw)} raw, ${kb(f.gzip)} gzip, ${kb(f.brotli)} br`]);
rows.push([
  `  total (${t.files.length} files)`,
  `${kb(t.total.raw)} raw, ${kb(t.total.gzip)} gzip, ${kb(t.total.brotli)} br`,
  `<= ${kb(TARGET.gzip)} gzip`,
  verdict(t.total.gzip <= TARGET.gzip) + (t.total.gzip > TARGET.gzip ? ` by ${kb(t.total.gzip - TARGET.gzip)}` : ''),
]);
const endPoint = s.source === 'mark' ? 'performance.mark("tms:ready")' : `${s.source} (no tms:ready mark in this build)`;
rows.push(`2. start-up, navigation start -> ${endPoint}, ${s.loads} cold loads each`);
rows.push(['  app', spread(s.app), `<= ${TARGET.startupMs} ms median`, verdict(s.app.median <= TARGET.startupMs)]);
rows.push(['  floor (same markup, no wasm)', spread(s.floor)]);
const fr = ratio(s.app.median, s.floor.median);
rows.push(['  app / floor (medians)', x(fr), `<= ${TARGET.floorRatio}x`, verdict(fr <= TARGET.floorRatio)]);
rows.push(['  app: navigation -> token input in the DOM', spread(s.tokenInput)]);
rows.push(['  app: loads marked ready before the token input existed', String(s.markBeforeInput), '0', verdict(s.markBeforeInput === 0)]);
rows.push(['  app: navigation -> wasm instantiate called', spread(s.toInstantiateCall)]);
rows.push([`  wasm ${s.instantiateCall}: call -> resolved`, spread(s.wasmInstantiate)]);
rows.push(['  wasm compile + instantiate (bytes in -> resolved)', spread(s.wasmCompile)]);
rows.push(['  wasm instantiated -> ready (Rust start, first render)', spread(s.instantiatedToReady)]);
for (const r of runs) {
  rows.push(
    `${r.credentials === 'missing' ? 3 : 4}. ${r.systems} systems, credentials ${r.credentials} (+${LATENCY_MS} ms per request, SSH login ${SSH_MS[0]}-${SSH_MS[1]} ms, concurrency ${CONCURRENCY}, through a TLS + HTTP/2 proxy)`,
  );
  const proto = (p) => Object.entries(p).map(([v, c]) => `HTTP/${v} x${c}`).join(', ') || 'none';
  rows.push(['  over the TLS proxy: app / notebook', `${proto(r.app.protocols)} / ${proto(r.notebook.protocols)}`]);
  rows.push(['  app: click -> every row ended', secs(r.app.wallMs)]);
  rows.push([
    `  critical path (${r.criticalPath.includesPreflights ? 'preflights included' : 'no preflights in log'})`,
    `${secs(r.criticalPath.ms)} (sim-side span of the app's run ${secs(r.app.spanMs)})`,
  ]);
  rows.push(['  app / critical path', x(r.appOverCriticalPath), `<= ${TARGET.pathRatio}x`, verdict(r.appOverCriticalPath <= TARGET.pathRatio)]);
  rows.push(['  notebook way (sequential tapipy)', `${secs(r.notebook.totalMs)} (client set-up ${ms(r.notebook.clientMs)} not counted)`]);
  const nbTarget = r.systems >= 30 ? `>= ${TARGET.notebookRatio}x` : '';
  rows.push([
    '  notebook / app',
    `${x(r.notebookOverApp)} (notebook / critical path ${x(r.notebookOverCriticalPath)})`,
    nbTarget,
    nbTarget ? verdict(r.notebookOverApp >= TARGET.notebookRatio) : '',
  ]);
  if (nbTarget && r.notebookOverCriticalPath < TARGET.notebookRatio) {
    const need = r.criticalPath.forNotebookTarget;
    rows.push([
      `  (what if) concurrency for notebook / critical path >= ${TARGET.notebookRatio}x`,
      need ? `${need.concurrency} (critical path ${secs(need.ms)})` : `none up to ${r.systems}`,
    ]);
  }
  const want = r.credentials === 'present' ? 1 : 3;
  rows.push([
    '  app requests per system (+ preflights)',
    `${perSystemText(r.app.perSystem)} (+ ${perSystemText({ ...r.app.preflightsPerSystem, mean: 0 })} preflights)`,
    `exactly ${want}`,
    verdict(r.app.perSystem.min === want && r.app.perSystem.max === want),
  ]);
  rows.push(['  notebook requests per system', perSystemText(r.notebook.perSystem)]);
}
console.log(
  `\nTMS credentials benchmark: commit ${m.commit}, ${m.nproc} cores (${m.cpu}), Chromium ${m.chromium}, Node ${m.node}, ` +
    `load average ${m.loadAverage.atStart[0]} at start, ${m.loadAverage.atEnd[0]} at end, ${m.date}\n`,
);
console.log(table(rows));
console.log(`\n(${report.benchSeconds} s; details in target/bench/report.json)`);
