// Issue 10, load: 300 TMS systems in one run finish with the engine's concurrency bound
// respected (in the simulator's request log, and in the rows the page shows working at once),
// the page answers input during the run,
// and memory does not grow across five runs (wasm linear memory, JS heap and DOM nodes, read
// through a CDP session after a forced garbage collection).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ENGINE_CONCURRENCY, ENGINE_STEPS, fixture, forSystem, maxInFlight, pasteToken, scenario, setSystems, sleep, step, tmsSystem, waitDone,
} from './harness.mjs';

const COUNT = 300;
const IDS = Array.from({ length: COUNT }, (_, i) => `load-${String(i).padStart(3, '0')}`);

// Keeps a handle on the app's wasm memory (the glue does not expose it) and records long tasks.
const INIT = () => {
  const keep = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result?.instance;
    if (instance?.exports?.memory) window.__tmsMemory = instance.exports.memory;
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      return original.apply(this, args).then(keep);
    };
  }
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
};

/** Wasm memory, JS heap and DOM nodes after a forced garbage collection. */
async function memory(page, cdp) {
  await cdp.send('HeapProfiler.collectGarbage');
  await sleep(100);
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map((x) => [x.name, x.value]));
  const wasm = await page.evaluate(() => window.__tmsMemory?.buffer.byteLength ?? null);
  return { wasm, heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners };
}

const MB = (n) => `${(n / 1048576).toFixed(2)} MB`;

// Rows whose system holds one of the engine's slots: every step but waiting in the queue (a
// retry's wait holds its slot too).
const WORKING = ENGINE_STEPS.filter((s) => s !== 'queued');

/** Watches the rows for the rest of the page's life: the most seen working at once, reset per run. */
function watchWorking(page) {
  return page.evaluate((working) => {
    const selector = working.map((s) => `[data-system][data-state="${s}"]`).join(',');
    window.__maxWorking = 0;
    new MutationObserver(() => {
      window.__maxWorking = Math.max(window.__maxWorking, document.querySelectorAll(selector).length);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  }, WORKING);
}

describe('load', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test(`${COUNT} systems: bounded concurrency, a responsive page, no memory growth across five runs`, { timeout: 240_000 }, async (t) => {
    const def = scenario({ systems: IDS.map((id) => tmsSystem(id, { sshCheckDelayMs: 25 })) });
    const { page, sim, assertNoErrors } = await env.open(t, def, { beforeLoad: (p) => p.addInitScript(INIT) });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    assert.ok(await page.evaluate(() => window.__tmsMemory instanceof WebAssembly.Memory), 'the wasm memory is in reach');
    await pasteToken(page, await sim.token('demo'));
    await setSystems(page, IDS);
    await sim.clearLog();
    await watchWorking(page);

    const samples = [];
    const durations = [];
    for (let run = 1; run <= 5; run++) {
      await page.evaluate(() => {
        window.__longTasks.length = 0;
        window.__maxWorking = 0;
      });
      const started = Date.now();
      await page.click('#establish');
      await page.waitForSelector('#summary[data-state="running"]', { timeout: 5000 });
      if (run === 1) {
        // The page answers input during the run: a typed comma turns the draft into a chip,
        // which needs the app's reducer and a render, not just the browser's own echo.
        const probes = [];
        for (let i = 0; i < 5 && (await page.getAttribute('#summary', 'data-state')) === 'running'; i++) {
          await page.click('#systems');
          const t0 = Date.now();
          await page.keyboard.insertText(`probe${i},`);
          await page.waitForSelector(`[data-chip="probe${i}"]`, { timeout: 5000 });
          probes.push(Date.now() - t0);
          await page.click(`button[aria-label="Remove probe${i}"]`);
          await page.waitForSelector(`[data-chip="probe${i}"]`, { state: 'detached', timeout: 5000 });
          await sleep(150);
        }
        t.diagnostic(`input during the run answered in ${probes.join(', ')} ms`);
        assert.ok(probes.length >= 2, `probed while running: ${probes.length}`);
        assert.ok(Math.max(...probes) < 1500, `input answered within 1.5 s: ${probes}`);
      }
      await waitDone(page, 120_000);
      durations.push(Date.now() - started);
      const states = await page.$$eval('[data-system]', (els) => els.map((e) => e.dataset.state));
      const want = run === 1 ? 'created' : 'present';
      assert.equal(states.length, COUNT);
      assert.deepEqual([...new Set(states)], [want], `run ${run}: every row ${want}`);
      const longTasks = await page.evaluate(() => window.__longTasks.slice());
      const log = await sim.log();
      const inFlight = maxInFlight(log);
      t.diagnostic(`run ${run}: ${log.length} requests in ${durations.at(-1)} ms, at most ${inFlight} in flight, ` +
        `longest main-thread task ${Math.max(0, ...longTasks)} ms`);
      // Over HTTP/2 the browser sends whatever the engine starts, so the log sees a broken bound
      // (over HTTP/1.1 Chromium would cap it at six per host itself).
      assert.deepEqual(Object.keys(sim.tenant.takeProtocols()), ['2.0'], `run ${run}: the page spoke HTTP/2 only`);
      assert.ok(inFlight <= ENGINE_CONCURRENCY, `run ${run}: at most ${ENGINE_CONCURRENCY} requests at once, saw ${inFlight}`);
      // 300 systems fill every slot from the first render of the run, and never one more.
      const working = await page.evaluate(() => window.__maxWorking);
      assert.equal(working, ENGINE_CONCURRENCY, `run ${run}: rows working at once`);
      // A check of a stored key takes the simulated SSH login (25 ms), so overlap shows; in the
      // first run most answers are instant and rarely overlap in the log's millisecond times.
      if (run > 1) assert.ok(inFlight >= 2, `run ${run}: systems do run in parallel (${inFlight})`);
      if (run === 1) {
        assert.equal(log.length, 3 * COUNT, 'check, read and create per system, nothing else');
        for (const id of [IDS[0], IDS[150], IDS.at(-1)]) {
          assert.deepEqual(forSystem(log, id).map(step), ['check 401', 'get 200', 'create 201'], id);
        }
        assert.equal((await sim.credentials()).length, COUNT);
      } else {
        assert.equal(log.length, COUNT, `run ${run}: one check per system`);
      }
      await sim.clearLog();
      samples.push(await memory(page, cdp));
      t.diagnostic(`after run ${run}: wasm ${MB(samples.at(-1).wasm)}, JS heap ${MB(samples.at(-1).heap)}, ` +
        `${samples.at(-1).nodes} DOM nodes, ${samples.at(-1).listeners} listeners`);
    }

    // From the second run on, each run is the same work again. The activity log keeps every
    // request (the report needs them), 300 lines a run: wasm memory may grow with it, a few KB
    // per line, and by nothing else. The table renders only the latest lines, so the DOM, the
    // JS heap and the event listeners stay flat.
    assert.ok(await page.$('#log-trimmed'), 'the log says it shows only the latest requests');
    assert.ok((await page.$$('.log tbody tr')).length <= 200, 'at most 200 log lines rendered');
    const [base, last] = [samples[1], samples.at(-1)];
    const logLines = 3 * COUNT;
    const perLine = (last.wasm - base.wasm) / logLines;
    t.diagnostic(`growth over runs 3-5: wasm ${MB(last.wasm - base.wasm)} (${Math.round(perLine)} B per log line), ` +
      `JS heap ${MB(last.heap - base.heap)}, ${last.nodes - base.nodes} DOM nodes`);
    assert.ok(last.wasm - base.wasm <= logLines * 4096 + 1048576, `wasm memory grew ${MB(last.wasm - base.wasm)} over ${logLines} log lines`);
    assert.ok(last.heap - base.heap <= Math.max(2 * 1048576, 0.25 * base.heap), `JS heap grew ${MB(last.heap - base.heap)}`);
    assert.ok(last.nodes - base.nodes <= 100, `DOM nodes grew ${last.nodes - base.nodes}`);
    assert.ok(last.listeners - base.listeners <= 10, `event listeners grew ${last.listeners - base.listeners}`);
    assertNoErrors();
  });
});
