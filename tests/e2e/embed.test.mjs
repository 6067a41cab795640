// Issue 11: the app embedded in a host page, same page (token by event) and framed (token by
// message, from another origin), under a strict CSP, against the simulator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fixture, openPage, rows, scenario, screenshotPath, startSim, startStatic, SUB_PATH, tmsSystem } from './harness.mjs';
import { cspViolations, recordCspViolations, startHost, styles } from './embed-harness.mjs';

const SYSTEMS = () => scenario({ systems: [tmsSystem('stampede3'), tmsSystem('ls6')] });
const HOST_ELEMENTS = ['body', '#host-nav', '#host-title', '#host-lead', '#host-content', '#host-button'];
const HOST_PROPS = ['font-family', 'font-size', 'color', 'background-color', 'margin-top', 'padding-left', 'display', 'line-height'];
const APP_ELEMENTS = ['.tms-app h1', '.tms-app h2', '.tms-app label[for="token"]', '#establish', '#token', '.tms-app .lede'];
const APP_PROPS = ['font-size', 'font-weight', 'display', 'margin-bottom', 'padding-top', 'color', 'background-color'];

const env = fixture();
before(env.setup);
after(env.teardown);

async function setup(t, hostOptions) {
  const sim = await startSim(SYSTEMS());
  t.after(() => sim.stop());
  const host = await startHost({ sim, ...hostOptions });
  t.after(() => host.close());
  const p = await openPage(env.browser, { allowNetworkErrorsFrom: [sim.url] });
  t.after(() => p.close());
  await recordCspViolations(p.context);
  return { sim, host, ...p };
}

const hostNote = (frame) =>
  frame.$$eval('.tms-app table tbody tr', (trs) => trs.map((tr) => tr.textContent).filter((t) => t.includes('HOST')));

test('same page: token by tms:token event, results in the DOM and in tms:done, host untouched, unmount cleans up', async (t) => {
  const { page, host, sim, assertNoErrors } = await setup(t, {
    appUrl: (origin) => `${origin}/tms/`,
    // The host page's own policy: the app needs no inline script or style of its own.
    csp: (origin, sim) =>
      `default-src 'none'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; style-src 'self'; connect-src 'self' ${sim.url}; img-src 'self'`,
  });
  t.diagnostic(`host ${host.origin}`);
  // The host page alone, for comparison.
  await page.goto(`${host.origin}/embed-div.html?noapp`);
  const hostAlone = await styles(page.mainFrame(), HOST_ELEMENTS, HOST_PROPS);
  const hostHtml = () => page.$$eval('#host-nav, #host-title, #host-lead, #host-button', (els) => els.map((e) => e.outerHTML));
  const htmlAlone = await hostHtml();

  await page.goto(`${host.origin}/embed-div.html`);
  await page.waitForSelector('#tms-credentials h1', { timeout: 20_000 });
  await page.waitForSelector('#token-status[data-state="valid"]');
  assert.equal(host.issued.length, 1, 'the host was asked once, on tms:ready');
  assert.equal(await page.$('#login-password'), null, 'data-password-form="hide"');
  assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['stampede3', 'ls6']);
  await page.click('#establish');
  await page.waitForSelector('#summary[data-state="done"]', { timeout: 20_000 });
  await page.waitForFunction(() => window.tmsDone?.length === 1);
  const done = await page.evaluate(() => window.tmsDone[0]);
  const dom = await rows(page);
  assert.deepEqual(done.map((s) => [s.id, s.state]), dom.map((r) => [r.system, r.state]));
  assert.deepEqual(done.map((s) => s.state), ['created', 'created']);
  assert.ok(done.every((s) => s.detail.length > 0 && Object.keys(s).sort().join() === 'detail,id,state'));
  assert.ok(!JSON.stringify(done).includes(host.issued[0].token.split('.')[2]), 'no token in tms:done');
  assert.equal((await sim.credentials()).length, 2);

  // The host page's own elements and styles are as they were without the app.
  assert.deepEqual(await styles(page.mainFrame(), HOST_ELEMENTS, HOST_PROPS), hostAlone);
  assert.deepEqual(await hostHtml(), htmlAlone);
  await page.screenshot({ path: screenshotPath('embed-div.png'), fullPage: true });

  // The app's own look survives Bootstrap 4: as on the standalone page.
  const embedded = await styles(page.mainFrame(), APP_ELEMENTS, APP_PROPS);
  const alone = await (await env.browser.newContext()).newPage();
  await alone.goto(`${env.web.origin}/`);
  await alone.waitForSelector('#tms-credentials h1');
  assert.deepEqual(embedded, await styles(alone.mainFrame(), APP_ELEMENTS, APP_PROPS));
  await alone.context().close();

  assert.deepEqual(await cspViolations(page), []);
  // Unmount: the app's listeners go, and nothing answers a token any more.
  await page.evaluate(() => document.getElementById('tms-credentials').dispatchEvent(new Event('tms:unmount')));
  await page.waitForFunction(() => !document.querySelector('#tms-credentials h1'));
  await page.evaluate(() =>
    document.getElementById('tms-credentials').dispatchEvent(new CustomEvent('tms:token', { detail: { token: 'x' } })),
  );
  assert.equal(await page.$('#tms-credentials *'), null, 'nothing re-rendered after unmount');
  assertNoErrors();
});

test('framed on another origin, under a sub-path: token by message, expiring token renewed, rejected token renewed mid-run, strangers ignored', async (t) => {
  const { page, host, sim, errors, assertNoErrors } = await setup(t, {
    appUrl: () => `${env.web.origin}${SUB_PATH}`,
    // The first token expires in 5 minutes: the app asks for a fresh one at once.
    lifetimes: [300, 14400],
  });
  await page.goto(`${host.origin}/embed-iframe.html`);
  const frameEl = await page.waitForSelector('#tms-frame');
  const frame = await frameEl.contentFrame();
  await frame.waitForSelector('#tms-credentials h1', { timeout: 20_000 });
  await page.waitForFunction(() => (window.tmsMessages || []).some((m) => m.type === 'tms:token-needed'));
  await frame.waitForSelector('#token-status[data-state="valid"]');
  assert.equal(host.issued.length, 2, 'ready, then token-needed for the expiring token');
  const types = await page.evaluate(() => window.tmsMessages.map((m) => m.type + (m.reason ? `:${m.reason}` : '')));
  assert.ok(types.includes('tms:ready') && types.includes('tms:token-needed:expiring'), types.join());
  // tms:resize sized the frame to its content.
  const height = await page.$eval('#tms-frame', (f) => Number(f.height));
  const content = await frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
  assert.ok(height > 300 && Math.abs(height - content) <= 2, `frame ${height}, content ${content}`);

  // A sibling frame of the allowed origin is not the parent: ignored, noted, token unchanged.
  const mallory = await sim.token('mallory', 14400);
  await page.evaluate((token) => {
    const f = document.createElement('iframe');
    f.id = 'sibling';
    f.srcdoc = `<script>parent.document.getElementById('tms-frame').contentWindow.postMessage({type:'tms:token', token:${JSON.stringify(token)}}, '*')<\/script>`;
    document.body.append(f);
  }, mallory);
  await frame.waitForFunction(() => document.querySelector('.tms-app table')?.textContent.includes('not from the parent window'));
  assert.equal(await frame.inputValue('#username'), 'demo');

  // A parent on an origin that is not allowed: ignored, noted.
  const evil = await startStatic();
  t.after(() => evil.close());
  const other = await page.context().newPage();
  await other.goto(`${evil.origin}/elsewhere`); // any page on the other origin (a 404 here)
  await other.evaluate(([src, token]) => {
    document.body.innerHTML = '';
    const f = document.createElement('iframe');
    f.src = src;
    f.onload = () => setTimeout(() => f.contentWindow.postMessage({ type: 'tms:token', token }, '*'), 1500);
    document.body.append(f);
  }, [`${env.web.origin}${SUB_PATH}?allowed-origins=${encodeURIComponent(host.origin)}`, mallory]);
  const evilFrame = await (await other.waitForSelector('iframe')).contentFrame();
  await evilFrame.waitForFunction(() => document.querySelector('.tms-app table')?.textContent.includes('origin is not allowed'), null, { timeout: 20_000 });
  assert.equal(await evilFrame.getAttribute('#token-status', 'data-state'), 'none');
  assert.ok((await hostNote(evilFrame)).every((t) => !t.includes(mallory.split('.')[1])));
  await other.close();

  // Run, then Tapis rejects the token mid-session: the host is asked and the run goes on.
  await frame.click('#check-only');
  await frame.waitForSelector('#summary[data-state="done"]', { timeout: 20_000 });
  await page.waitForFunction(() => window.tmsDone?.length === 1);
  await sim.revoke('demo');
  await frame.click('#check-only');
  await page.waitForFunction(() => window.tmsMessages.some((m) => m.reason === 'rejected'), null, { timeout: 20_000 });
  await page.waitForFunction(() => window.tmsDone?.length === 2, null, { timeout: 20_000 });
  assert.equal(host.issued.length, 3);
  const done = await page.evaluate(() => window.tmsDone[1]);
  assert.deepEqual(done.map((s) => [s.id, s.state]), [['stampede3', 'missing'], ['ls6', 'missing']]);
  assert.deepEqual(done.map((s) => [s.id, s.state]), (await rows(frame)).map((r) => [r.system, r.state]));
  assert.ok((await hostNote(frame)).some((t) => t.includes('token received from the host page')));

  await page.screenshot({ path: screenshotPath('embed-iframe.png'), fullPage: true });
  assert.deepEqual(await cspViolations(page), []);
  // Chromium's note that a cross-origin frame may not autofocus (the remove dialog's button):
  // expected when framed, and not an error of the app.
  const autofocus = /Blocked autofocusing on a <button> element in a cross-origin subframe/;
  errors.splice(0, errors.length, ...errors.filter((e) => !autofocus.test(e)));
  assertNoErrors();
});
