// Size and speed figures for the release build, printed as a table. Reuses the end-to-end harness
// (static server, simulator, headless Chromium) so the numbers come from the same setup as the tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  DIST, launchBrowser, loadApp, openPage, pasteToken, scenario, setSystems, startSim, startStatic, tmsSystem, waitDone,
} from '../tests/e2e/harness.mjs';

const BUDGET_GZIP = 120 * 1024;
const LOADS = 5;
const SYSTEMS = 24;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// 1. First load: the page and everything it references, raw and gzip -9.
const html = readFileSync(path.join(DIST, 'index.html'), 'utf8');
const assets = ['index.html', ...new Set([...html.matchAll(/(?:href=|module_or_path:|from)\s*["']\.?\/?([^"']+\.(?:js|wasm|css|svg))["']/g)].map((m) => m[1]))];
let raw = 0, gz = 0;
console.log('first load                       raw        gzip');
for (const file of assets) {
  const bytes = readFileSync(path.join(DIST, file));
  const g = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length; gz += g;
  console.log(`  ${file.padEnd(44).slice(0, 44)} ${kb(bytes.length).padStart(10)} ${kb(g).padStart(10)}`);
}
console.log(`  ${'total'.padEnd(44)} ${kb(raw).padStart(10)} ${kb(gz).padStart(10)}   (budget ${kb(BUDGET_GZIP)}: ${gz <= BUDGET_GZIP ? 'within' : `over by ${kb(gz - BUDGET_GZIP)}`})`);

// 2. Load time and a run through the UI, against the simulator on loopback.
const web = await startStatic();
const systems = Array.from({ length: SYSTEMS }, (_, i) => tmsSystem(`bench-${i}`, { sshCheckDelayMs: 0 }));
const sim = await startSim(scenario({ systems }));
const browser = await launchBrowser();
try {
  const loads = [];
  for (let i = 0; i < LOADS; i++) {
    const { page, close } = await openPage(browser);
    const t0 = Date.now();
    await loadApp(page, web.origin);
    loads.push(Date.now() - t0);
    await close();
  }
  console.log(`\npage load to first screen (median of ${LOADS})   ${median(loads)} ms   [${loads.join(', ')}]`);

  const { page, close } = await openPage(browser, { allowNetworkErrorsFrom: [sim.url] });
  await loadApp(page, web.origin);
  await pasteToken(page, await sim.token('demo', 3600));
  await setSystems(page, systems.map((s) => s.id));
  await sim.control('DELETE', '/sim/log');
  const t0 = Date.now();
  await page.click('#establish');
  await waitDone(page, 120_000);
  const took = Date.now() - t0;
  const log = (await sim.log()).filter((e) => e.method !== 'OPTIONS');
  console.log(`set up ${SYSTEMS} missing systems through the UI   ${took} ms   (${log.length} Tapis requests, ${(log.length / SYSTEMS).toFixed(1)} per system)`);
  await close();
} finally {
  await browser.close();
  await sim.stop();
  await web.close();
}
