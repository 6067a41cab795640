// Row actions: 6. remove with confirm / cancel, 8. retry of a failed system.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixture, forSystem, pasteToken, scenario, setSystems, sleep, step, tmsSystem, waitDone, waitRow } from './harness.mjs';

async function ready(env, t, def, systems) {
  const opened = await env.open(t, def);
  await pasteToken(opened.page, await opened.sim.token('demo'));
  await setSystems(opened.page, systems);
  await opened.sim.clearLog();
  return opened;
}

const dialogOpen = (page) => page.$eval('dialog#confirm-remove', (d) => d.open);

describe('row actions', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('remove asks for confirmation: cancel keeps the credential, confirm deletes it', async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3')],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const { page, sim, assertNoErrors } = await ready(env, t, def, ['stampede3']);
    await page.click('#check-only');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitDone(page);
    const remove = '[data-system="stampede3"] button[data-action="remove"]';
    await page.waitForSelector(`${remove}:not([disabled])`);
    await sim.clearLog();

    // Cancel: the dialog closes and nothing is deleted.
    assert.equal(await dialogOpen(page), false);
    await page.click(remove);
    await page.waitForSelector('dialog#confirm-remove[open]');
    await page.click('dialog#confirm-remove [data-action="cancel"]');
    await page.waitForFunction(() => !document.querySelector('dialog#confirm-remove').open);
    await sleep(300);
    assert.deepEqual((await sim.log()).filter((e) => e.method === 'DELETE'), [], 'no DELETE after cancel');
    assert.deepEqual(await sim.credentials(), [{ systemId: 'stampede3', username: 'demo', state: 'valid' }]);
    assert.equal(await page.getAttribute('[data-system="stampede3"]', 'data-state'), 'present');

    // Escape closes it like Cancel, and the dialog opens again afterwards.
    await page.click(remove);
    await page.waitForSelector('dialog#confirm-remove[open]');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog#confirm-remove').open);

    // Confirm: the credential is deleted and the row says so.
    await page.click(remove);
    await page.waitForSelector('dialog#confirm-remove[open]');
    await page.click('dialog#confirm-remove [data-action="confirm"]');
    await waitRow(page, 'stampede3', 'removed', { sim });
    assert.equal(await dialogOpen(page), false);
    const log = await sim.log();
    assert.deepEqual(log.map((e) => `${e.method} ${e.path} ${e.status}`), ['DELETE /v3/systems/credential/stampede3/user/demo 201']);
    assert.deepEqual(await sim.credentials(), [], 'the simulator no longer stores it');
    assert.equal(await page.$(remove), null, 'nothing left to remove');

    // Setting it up again after a removal creates a fresh key.
    await waitDone(page);
    await sim.clearLog();
    await page.click('#establish');
    await waitRow(page, 'stampede3', 'created', { sim });
    assert.deepEqual((await sim.log()).map(step), ['check 401', 'get 200', 'create 201']);
    assertNoErrors();
  });

  test('a failed system can be retried once the fault is gone', { timeout: 90_000 }, async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3'), tmsSystem('ls6')],
      faults: [
        {
          method: 'POST', path: '/v3/systems/credential/ls6/user/*/check', limit: 20,
          action: { kind: 'status', status: 500, body: { status: 'error', message: 'Internal server error.', result: null, version: '1.8.0' } },
        },
      ],
    });
    const { page, sim, assertNoErrors } = await ready(env, t, def, ['stampede3', 'ls6']);
    await page.click('#establish');
    await waitRow(page, 'stampede3', 'created', { sim });
    await waitRow(page, 'ls6', 'failed', { sim, timeout: 60_000 });
    await waitDone(page);
    let log = forSystem(await sim.log(), 'ls6');
    assert.ok(log.length >= 1 && log.every((e) => step(e) === 'check 500'), `ls6 only saw failing checks: ${log.map(step)}`);
    assert.ok(log.length < 20, 'the engine gave up before the fault stopped firing');

    const retry = '[data-system="ls6"] button[data-action="retry"]';
    await page.waitForSelector(`${retry}:not([disabled])`);
    assert.equal(await page.$('[data-system="stampede3"] button[data-action="retry"]'), null, 'no retry on a created row');
    await sim.setFaults([]);
    await sim.clearLog();
    await page.click(retry);
    await waitRow(page, 'ls6', 'created', { sim });
    await waitDone(page);
    log = await sim.log();
    assert.deepEqual(log.map(step), ['check 401', 'get 200', 'create 201'], 'the retry ran ls6 alone');
    assert.ok(forSystem(log, 'ls6').length === 3);
    assert.equal(await page.getAttribute('[data-system="stampede3"]', 'data-state'), 'created', 'other rows kept');
    assertNoErrors();
  });
});
