// Issue 8: the built-in demo scenario, which answers as Tapis's own server code does, run
// through the page. One run covers every answer the app once got wrong:
//   private-cluster         the user may not read it: check 500 SYSAPI_CHECK_ERROR ... SYSLIB_UNAUTH -> no-access
//   no-account-cluster      no account on the host: every new key 401 ... VALID_FAIL -> waiting-retry,
//                           then "Stop waiting" -> failed / key-not-accepted, both causes named
//   corral-pki              PKI_KEYS (create would be 401 ... SYSLIB_CRED_NOT_FOUND) -> not-tms
//   shared-account-cluster  static effective user (create would be 500 SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED)
//                           -> failed / tms-refused
//   stampede3, ls6, frontera  booleans come back as the strings "true"/"false" under select -> created
//   vista                   the first two new keys are refused (allocation propagating) -> created
// then the 201 delete: removing stampede3's key through the confirm dialog -> removed.
// The simulator's log must show no create where the app can decide from the system definition
// (private-cluster, corral-pki, shared-account-cluster) and none after an ambiguous answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createsAfterAmbiguous, fixture, forSystem, isCreate, pasteToken, row, rows, setSystems, sleep, step,
  waitDone, waitRow,
} from './harness.mjs';

const SELECT = 'id,host,defaultAuthnMethod,effectiveUserId,isDynamicEffectiveUser,systemType,enabled,canExec';

const EXPECTED = {
  stampede3: ['created', null],
  ls6: ['created', null],
  frontera: ['created', null],
  'corral-pki': ['not-tms', 'not-tms'],
  'private-cluster': ['no-access', 'no-access'],
  'shared-account-cluster': ['failed', 'tms-refused'],
  'no-account-cluster': ['failed', 'key-not-accepted'],
  vista: ['created', null],
};

describe('Tapis as its source answers (demo scenario)', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('every row ends in the right state, no create where none belongs, and the 201 delete removes', { timeout: 120_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, undefined); // the built-in demo scenario
    const token = await sim.token('demo');

    // The premise, straight from the simulator: under select, booleans are strings.
    const direct = await fetch(`${sim.controlUrl}/v3/systems/stampede3?select=${SELECT}`, {
      headers: { 'X-Tapis-Token': token },
    }).then((r) => r.json());
    assert.equal(direct.result.enabled, 'true', `string booleans: ${JSON.stringify(direct.result)}`);
    assert.equal(direct.result.isDynamicEffectiveUser, 'true');
    const shared = await fetch(`${sim.controlUrl}/v3/systems/shared-account-cluster?select=${SELECT}`, {
      headers: { 'X-Tapis-Token': token },
    }).then((r) => r.json());
    assert.equal(shared.result.isDynamicEffectiveUser, 'false', 'the static-user system says so as a string');

    await pasteToken(page, token);
    await setSystems(page, Object.keys(EXPECTED));
    await sim.clearLog();
    await page.click('#establish');

    // no-account-cluster: the new key is refused; the row waits visibly and offers to stop.
    await waitRow(page, 'no-account-cluster', 'waiting-retry', { sim, timeout: 20_000 });
    const waiting = await row(page, 'no-account-cluster');
    assert.equal(waiting.problem, 'key-not-yet-usable', 'a waiting row says what it waits on');
    assert.match(waiting.detail, /\S/, 'the waiting row explains');
    const stop = '[data-system="no-account-cluster"] button[data-action="stop-waiting"]';
    assert.equal((await page.textContent(stop)).trim(), 'Stop waiting');
    // Let it try at least twice, so the backoff (about 3 s, as the portal) is visible in the log.
    await waitFor(async () => forSystem(await sim.log(), 'no-account-cluster').filter(isCreate).length >= 2, 20_000,
      'a second create on no-account-cluster');
    await page.waitForSelector(stop);
    await page.click(stop);
    await waitRow(page, 'no-account-cluster', 'failed', { sim, timeout: 5000 });
    const stoppedAt = Date.now();
    const sentBeforeStop = forSystem(await sim.log(), 'no-account-cluster').length;

    for (const [id, [state]] of Object.entries(EXPECTED)) {
      await waitRow(page, id, state, { sim, timeout: id === 'vista' ? 40_000 : 15_000 });
    }
    await waitDone(page, 10_000);
    const seen = await rows(page);
    assert.deepEqual(
      Object.fromEntries(seen.map((r) => [r.system, [r.state, r.problem]])),
      EXPECTED,
      'state and problem code per row',
    );
    for (const r of seen) assert.match(r.detail, /\S/, `${r.system} explains its result`);
    const noAccount = seen.find((r) => r.system === 'no-account-cluster');
    // Both causes and the next step, in words (not Tapis codes).
    assert.match(noAccount.detail, /allocation[^.]*not reached|not reached[^.]*allocation|still arriving/i, `names a propagating allocation: ${noAccount.detail}`);
    assert.match(noAccount.detail, /no account|no[^.]*allocation there/i, `names a missing account or allocation: ${noAccount.detail}`);
    assert.match(noAccount.next, /\S/, 'says what to do next');
    assert.doesNotMatch(noAccount.detail + noAccount.next, /SYSAPI_|SYSLIB_/, 'no Tapis codes in the explanation');
    assert.equal(await page.$(stop), null, 'no Stop waiting once the row has ended');

    // Stop waiting means stop: nothing more is sent for it.
    await sleep(Math.max(0, 3500 - (Date.now() - stoppedAt)));
    const log = await sim.log();
    const steps = (id) => forSystem(log, id).map(step);
    assert.equal(forSystem(log, 'no-account-cluster').length, sentBeforeStop, 'nothing sent for it after Stop waiting');

    for (const id of ['stampede3', 'ls6', 'frontera']) {
      assert.deepEqual(steps(id), ['check 401', 'get 200', 'create 201'], `${id} (string booleans)`);
      const get = forSystem(log, id)[1];
      assert.match(get.query, /(^|&)select=/, `${id}: the system is read with select, so its booleans are strings`);
    }
    assert.deepEqual(steps('private-cluster'), ['check 500'], 'no-read 500: final, not retried, no read, no create');
    assert.deepEqual(steps('corral-pki'), ['check 401', 'get 200'], 'PKI_KEYS: decided from the definition, no create');
    assert.deepEqual(steps('shared-account-cluster'), ['check 401', 'get 200'], 'static effective user: decided from the definition, no create');
    const na = steps('no-account-cluster');
    assert.deepEqual(na.slice(0, 2), ['check 401', 'get 200']);
    assert.ok(na.slice(2).length >= 2 && na.slice(2).every((s) => s === 'create 401'), `no-account: only refused creates: ${na}`);
    const naCreates = forSystem(log, 'no-account-cluster').filter(isCreate);
    const gap = naCreates[1].startedMs - naCreates[0].endedMs;
    assert.ok(gap >= 1400 && gap <= 8000, `the first wait is about 3 s (jittered 1.5-3 s): ${gap} ms`);
    assert.deepEqual(steps('vista'), ['check 401', 'get 200', 'create 401', 'create 401', 'create 201']);
    assert.deepEqual(createsAfterAmbiguous(log), [], 'no create after an ambiguous answer');
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(), ['frontera', 'ls6', 'stampede3', 'vista']);

    // The 201 delete, with result null: the row says removed.
    await sim.clearLog();
    const remove = '[data-system="stampede3"] button[data-action="remove"]';
    await page.click(remove);
    await page.waitForSelector('dialog#confirm-remove[open]');
    assert.match(await page.textContent('#confirm-remove-title'), /stampede3/);
    await page.click('dialog#confirm-remove [data-action="confirm"]');
    await waitRow(page, 'stampede3', 'removed', { sim });
    await waitDone(page);
    assert.deepEqual((await sim.log()).map((e) => `${e.method} ${e.path} ${e.status}`),
      ['DELETE /v3/systems/credential/stampede3/user/demo 201']);
    const removed = await row(page, 'stampede3');
    assert.equal(removed.problem, null);
    assert.match(removed.detail, /no longer holds a key/i);
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(), ['frontera', 'ls6', 'vista']);
    assertNoErrors();
  });
});

async function waitFor(pred, timeout, what) {
  const end = Date.now() + timeout;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

