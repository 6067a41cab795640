// 3. Password login through the ?tenant= parameter, and 4. expired / malformed tokens: the run is
// refused in the page and nothing at all is sent.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixture, forSystem, pasteToken, scenario, sleep, step, tmsSystem, waitRow } from './harness.mjs';

const SCENARIO = scenario({
  systems: ['stampede3', 'ls6', 'frontera'].map((id) => tmsSystem(id)),
});

describe('token', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('password login with ?tenant= fills the token and username, clears the password', async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, SCENARIO, {
      query: (s) => `?tenant=${encodeURIComponent(s.url)}`,
    });
    assert.equal(await page.getAttribute('#token-status', 'data-state'), 'none');

    // A wrong password: Tapis says 400, the page stays without a token and forgets the password.
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'wrong');
    await page.click('#login');
    await waitForLog(sim, (log) => log.some((e) => e.path === '/v3/oauth2/tokens'));
    await page.waitForSelector('#login:not([disabled])');
    assert.equal(await page.getAttribute('#token-status', 'data-state'), 'none');
    assert.equal(await page.inputValue('#login-password'), '');

    await sim.clearLog();
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'demo-pw');
    await page.click('#login');
    await page.waitForSelector('#token-status[data-state="valid"]', { timeout: 10_000 });
    assert.equal(await page.inputValue('#login-password'), '', 'password field emptied');
    assert.equal(await page.inputValue('#username'), 'demo', '#username filled from the token');
    assert.equal(await page.inputValue('#base-url'), sim.url, 'tenant is the simulator');

    const log = await sim.log();
    assert.deepEqual(
      log.map((e) => `${e.method} ${e.path} ${e.status}`),
      ['POST /v3/oauth2/tokens 200'],
      'exactly one token request',
    );
    assert.equal(log[0].query, '', 'no credentials in the URL');
    assertNoErrors();
  });

  test('an expired token is refused and nothing is sent', async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, SCENARIO);
    const sent = watchRequests(page, env.web.origin);
    await pasteToken(page, await sim.token('demo', -60), 'expired');
    await refusedWithoutRequests(page, sim, sent);
    assertNoErrors();
  });

  test('a malformed token is refused and nothing is sent', async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, SCENARIO);
    const sent = watchRequests(page, env.web.origin);
    await pasteToken(page, 'abc.def', 'malformed');
    await refusedWithoutRequests(page, sim, sent);
    assertNoErrors();
  });

  test('a tenant URL other than the token issuer is refused: the token never leaves for another host', async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, SCENARIO);
    const sent = watchRequests(page, env.web.origin);
    await pasteToken(page, await sim.token('demo'));
    assert.equal(await page.inputValue('#base-url'), sim.url, 'filled from the token issuer');
    await page.click('details:has(#base-url) > summary');
    const elsewhere = sim.url.replace(/:(\d+)$/, (_, port) => `:${Number(port) === 1 ? 2 : 1}`);
    await page.fill('#base-url', elsewhere);
    await refusedWithoutRequests(page, sim, sent);
    assertNoErrors();
  });

  test('an invalid system id is shown on its chip and refuses the run without sending anything', async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, SCENARIO);
    const sent = watchRequests(page, env.web.origin);
    await pasteToken(page, await sim.token('demo'));
    await page.fill('#systems', 'Bad!Id');
    await page.press('#systems', 'Enter');
    await page.waitForSelector('[data-chip="Bad!Id"]');
    assert.ok(await page.$('[data-invalid-system="Bad!Id"]'), 'the invalid id is explained');
    await refusedWithoutRequests(page, sim, sent);
    assertNoErrors();
  });

  test('a token close to expiry says expiring; one that expires mid-run stops the run without sending it', { timeout: 30_000 }, async (t) => {
    const def = scenario({
      systems: [tmsSystem('vista', { sshCheckDelayMs: 1000, createFail401Times: 1 })],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    await pasteToken(page, await sim.token('demo', 300), 'expiring');

    // Three seconds: the first create is answered 401 (key not yet usable) and the engine waits
    // 2.5-5 s before trying again; by then the token has expired and must not be sent.
    await page.fill('#token', '');
    await pasteToken(page, await sim.token('demo', 3), 'expiring');
    await page.fill('#systems', 'vista');
    await page.press('#systems', 'Enter');
    for (const id of ['stampede3', 'ls6', 'frontera']) await page.click(`button[aria-label="Remove ${id}"]`);
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['vista']);
    await sim.clearLog();
    await page.click('#establish');
    await waitRow(page, 'vista', 'token-rejected', { sim, timeout: 15_000 });
    await page.waitForSelector('#token-status[data-state="expired"]', { timeout: 5000 });
    const log = await sim.log();
    assert.deepEqual(forSystem(log, 'vista').map(step), ['check 401', 'get 200', 'create 401'],
      'no request carried the expired token');
    assertNoErrors();
  });
});

/** Every request the page makes to anything but the static server (the tenant may be unknown). */
function watchRequests(page, staticOrigin) {
  const sent = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(staticOrigin)) sent.push(`${r.method()} ${r.url()}`);
  });
  return sent;
}

async function refusedWithoutRequests(page, sim, sent) {
  await sim.clearLog();
  for (const button of ['#establish', '#check-only']) {
    await page.click(button);
    await page.waitForSelector('#run-refused', { state: 'visible', timeout: 5000 });
    const reason = (await page.textContent('#run-refused')).trim();
    assert.ok(reason.length > 0, `${button}: #run-refused gives a reason`);
  }
  await sleep(700);
  assert.deepEqual(await sim.log(), [], 'the simulator received no request');
  assert.deepEqual(sent, [], 'the page sent no request');
  assert.notEqual(await page.getAttribute('#summary', 'data-state'), 'running');
  assert.equal(await page.$$eval('[data-system][data-state]', (els) =>
    els.filter((e) => !['queued'].includes(e.getAttribute('data-state'))).length), 0, 'no row ran');
}

async function waitForLog(sim, pred, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const log = await sim.log();
    if (pred(log)) return log;
    if (Date.now() > end) throw new Error(`log condition not met: ${JSON.stringify(log)}`);
    await sleep(100);
  }
}
