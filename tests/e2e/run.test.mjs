// Runs over the simulator: 1. the seed's case, 2. a mixed run, 5. token rejected mid-run,
// 7. check-only. Each asserts both the rows (DOM contract) and the simulator's request log.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  ENGINE_CONCURRENCY, fixture, forSystem, isCheck, isCreate, pasteToken, rows, scenario, screenshotPath, setSystems, step,
  pastTheBound, sleep, tmsSystem, waitDone, waitRow,
} from './harness.mjs';

const FINAL = ['present', 'created', 'missing', 'removed', 'not-tms', 'no-access', 'not-found', 'token-rejected', 'failed', 'cancelled'];
const SEED = ['stampede3', 'ls6', 'frontera'];

async function ready(env, t, def, systems) {
  const opened = await env.open(t, def);
  await pasteToken(opened.page, await opened.sim.token('demo'));
  assert.equal(await opened.page.inputValue('#username'), 'demo');
  if (systems) await setSystems(opened.page, systems);
  await opened.sim.clearLog();
  return opened;
}

describe('runs', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('seed case: three missing TMS systems are created, then a second run finds them present', async (t) => {
    const { page, sim, assertNoErrors } = await ready(env, t, scenario({ systems: SEED.map((id) => tmsSystem(id)) }));
    // The initial list is the seed's three systems.
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), SEED);

    await page.click('#establish');
    for (const id of SEED) await waitRow(page, id, 'created', { sim });
    await waitDone(page);
    let log = await sim.log();
    for (const id of SEED) {
      const mine = forSystem(log, id);
      assert.deepEqual(mine.map(step), ['check 401', 'get 200', 'create 201'], `${id}: ${JSON.stringify(mine)}`);
      assert.match(mine[2].query, /(^|&)createTmsKeys=true(&|$)/, `${id}: create asks for TMS keys`);
      assert.ok(mine[0].endedMs <= mine[1].startedMs && mine[1].endedMs <= mine[2].startedMs, `${id}: steps in order`);
    }
    assert.equal(log.length, 9, `only those requests: ${log.map(step)}`);
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(), [...SEED].sort());

    await sim.clearLog();
    await page.click('#establish');
    for (const id of SEED) await waitRow(page, id, 'present', { sim });
    await waitDone(page);
    log = await sim.log();
    for (const id of SEED) {
      assert.deepEqual(forSystem(log, id).map(step), ['check 200'], `${id} second run`);
    }
    assert.equal(log.filter(isCreate).length, 0, 'no create on the second run');
    assertNoErrors();
  });

  test('mixed run: present, created, not-tms, no-access, not-found and a propagation delay', { timeout: 90_000 }, async (t) => {
    const def = scenario({
      systems: [
        tmsSystem('stampede3'),
        tmsSystem('ls6'),
        { ...tmsSystem('corral-pki'), defaultAuthnMethod: 'PKI_KEYS', canExec: false },
        tmsSystem('private-cluster', {}, { visibleTo: [] }),
        tmsSystem('vista', { sshCheckDelayMs: 400, createFail401Times: 1 }),
      ],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const ids = ['stampede3', 'ls6', 'corral-pki', 'private-cluster', 'no-such-system', 'vista'];
    const { page, sim, assertNoErrors } = await ready(env, t, def, ids);

    await page.click('#establish');
    // The first create on vista fails verification (allocation not on the host yet): the row waits.
    await waitRow(page, 'vista', 'waiting-retry', { sim, timeout: 15_000 });
    assert.equal(await page.getAttribute('#summary', 'data-state'), 'running');
    assert.ok((await page.textContent('[data-system="vista"] .detail')).trim().length > 0, 'waiting row explains');
    await page.screenshot({ path: screenshotPath('main-mid-run.png'), fullPage: true });

    const expected = {
      stampede3: 'present', ls6: 'created', 'corral-pki': 'not-tms', 'private-cluster': 'no-access',
      'no-such-system': 'not-found', vista: 'created',
    };
    for (const [id, state] of Object.entries(expected)) {
      await waitRow(page, id, state, { sim, timeout: id === 'vista' ? 60_000 : 15_000 });
    }
    await waitDone(page);
    const seen = await rows(page);
    assert.deepEqual(Object.fromEntries(seen.map((r) => [r.system, r.state])), expected);
    for (const r of seen) assert.ok(r.detail.trim().length > 0, `${r.system} has a detail text`);
    await page.screenshot({ path: screenshotPath('after-mixed-run.png'), fullPage: true });

    const log = await sim.log();
    const steps = (id) => forSystem(log, id).map(step);
    assert.deepEqual(steps('stampede3'), ['check 200']);
    assert.deepEqual(steps('ls6'), ['check 401', 'get 200', 'create 201']);
    assert.deepEqual(steps('corral-pki'), ['check 401', 'get 200'], 'a PKI_KEYS system is never sent a create');
    // Tapis answers a system the user may not read with 500 SYSAPI_CHECK_ERROR ... SYSLIB_UNAUTH:
    // final, not a server fault to retry, and never a reason to create.
    assert.deepEqual(steps('private-cluster'), ['check 500']);
    assert.equal(steps('no-such-system')[0], 'check 404');
    assert.equal(forSystem(log, 'no-such-system').filter(isCreate).length, 0);
    const vista = forSystem(log, 'vista');
    assert.deepEqual(vista.map(step), ['check 401', 'get 200', 'create 401', 'create 201']);
    const gap = vista[3].startedMs - vista[2].endedMs;
    assert.ok(gap >= 1000, `the engine waited between create tries (${gap} ms)`);
    assertNoErrors();
  });

  test('token revoked mid-run: every row ends token-rejected and nothing is sent after the first rejection', { timeout: 60_000 }, async (t) => {
    // The simulator only spends sshCheckDelayMs on a check when a credential is stored, so every
    // system holds one the host refuses: its check is slow, answers 401 (key rejected) and the
    // engine goes on to read the system, which is the first request after the revocation.
    // Delays 600 ms apart make the in-flight checks finish one by one, never together, even on a
    // loaded machine.
    const ids = pastTheBound('r');
    const queued = ids.slice(ENGINE_CONCURRENCY);
    const def = scenario({
      systems: ids.map((id, i) => tmsSystem(id, { sshCheckDelayMs: 1500 + 600 * i })),
      credentials: ids.map((id) => ({ systemId: id, username: 'demo', state: 'rejected' })),
    });
    const { page, sim, assertNoErrors } = await ready(env, t, def, ids);
    // Browser-side view too: aborted fetches never reach the simulator's log.
    const seen = [];
    page.on('request', (r) => r.url().startsWith(sim.url) && seen.push({ at: Date.now(), what: `${r.method()} ${r.url()}` }));
    let rejectedAt = null;
    page.on('response', (r) => {
      if (r.url().startsWith(sim.url) && r.status() === 500 && rejectedAt === null) rejectedAt = Date.now();
    });

    await page.click('#establish');
    await page.waitForSelector('[data-system][data-state="checking"]', { timeout: 5000 });
    // Let every in-flight check pass the JWT filter, then revoke.
    await new Promise((r) => setTimeout(r, 300));
    await sim.revoke('demo');
    for (const id of ids) await waitRow(page, id, 'token-rejected', { sim, timeout: 20_000 });
    await waitDone(page);
    const detail = (await page.textContent(`[data-system="${ids.at(-1)}"] .detail`)).trim();
    assert.ok(detail.length > 0, 'the rejected row explains why');

    const log = await sim.log();
    const rejected = log.filter((e) => e.status === 500).sort((a, b) => a.endedMs - b.endedMs);
    assert.ok(rejected.length >= 1, `a request was answered "Token is revoked.": ${log.map(step)}`);
    assert.equal(`${rejected[0].method} ${rejected[0].path}`, 'GET /v3/systems/r1', 'the first check to finish leads to the rejection');
    const first = rejected[0];
    const late = log.filter((e) => e.startedMs > first.endedMs);
    assert.deepEqual(late, [], `requests started after the first rejection at ${first.endedMs} ms`);
    assert.ok(rejectedAt !== null, 'the page saw the 500');
    assert.deepEqual(seen.filter((r) => r.at > rejectedAt), [], 'the page sent nothing after the rejection');
    assert.equal(log.filter(isCreate).length, 0, 'no create');
    assert.deepEqual(queued.flatMap((id) => forSystem(log, id)), [], 'queued systems never started');
    assertNoErrors();
  });

  test('cancel stops a run promptly: unfinished rows end cancelled and nothing more is sent', { timeout: 30_000 }, async (t) => {
    // Slow checks (a stored key the host refuses) keep the engine's slots full; two wait in the queue.
    const ids = pastTheBound('c');
    const queued = ids.slice(ENGINE_CONCURRENCY);
    const def = scenario({
      systems: ids.map((id) => tmsSystem(id, { sshCheckDelayMs: 5000 })),
      credentials: ids.map((id) => ({ systemId: id, username: 'demo', state: 'rejected' })),
    });
    const { page, sim, assertNoErrors } = await ready(env, t, def, ids);
    const sent = [];
    page.on('request', (r) => r.url().startsWith(sim.url) && sent.push({ at: Date.now(), what: `${r.method()} ${r.url()}` }));

    await page.click('#establish');
    await page.waitForSelector('[data-system][data-state="checking"]', { timeout: 5000 });
    await page.waitForSelector('#cancel:not([disabled])');
    const cancelledAt = Date.now();
    await page.click('#cancel');
    // Well before the 5 s checks could answer: in-flight requests are abandoned, not awaited.
    for (const id of ids) await waitRow(page, id, 'cancelled', { sim, timeout: 3500 });
    await waitDone(page, 3000);
    assert.deepEqual(sent.filter((r) => r.at > cancelledAt), [], 'nothing sent after Cancel');
    await sleep(300);
    const log = await sim.log();
    assert.equal(log.filter(isCreate).length, 0, 'no create');
    assert.deepEqual(queued.flatMap((id) => forSystem(log, id)), [], 'queued systems never started');
    assert.ok(await page.$('#cancel[disabled]'), 'Cancel is disabled once the run is over');
    assertNoErrors();
  });

  test('check-only sends only checks and reports missing / present', async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3'), tmsSystem('ls6')],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const { page, sim, assertNoErrors } = await ready(env, t, def, ['stampede3', 'ls6']);
    await page.click('#check-only');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitRow(page, 'ls6', 'missing', { sim });
    await waitDone(page);
    const log = await sim.log();
    assert.ok(log.every(isCheck), `only checks: ${log.map((e) => `${e.method} ${e.path}`)}`);
    assert.deepEqual(forSystem(log, 'stampede3').map(step), ['check 200']);
    assert.deepEqual(forSystem(log, 'ls6').map(step), ['check 401']);
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId), ['stampede3'], 'nothing created');
    for (const state of await page.$$eval('[data-system]', (els) => els.map((e) => e.dataset.state))) {
      assert.ok(FINAL.includes(state));
    }
    assertNoErrors();
  });
});
