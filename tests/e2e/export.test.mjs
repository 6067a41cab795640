// 9. The downloaded activity report lists results and requests, and holds no part of the token.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fixture, pasteToken, scenario, setSystems, tmsSystem, waitDone, waitRow } from './harness.mjs';

describe('export', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('the JSON report has results and requests but no token', async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3'), tmsSystem('ls6')],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    const token = await sim.token('demo');
    await pasteToken(page, token);
    await setSystems(page, ['stampede3', 'ls6']);
    await page.click('#establish');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitRow(page, 'ls6', 'created', { sim });
    await waitDone(page);

    await page.click('details:has(#export-log) > summary');
    await page.waitForSelector('#export-log', { state: 'visible' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-log')]);
    assert.match(download.suggestedFilename(), /\.json$/);
    const text = await readFile(await download.path(), 'utf8');
    const report = JSON.parse(text);

    // Results per system.
    assert.ok(Array.isArray(report.results), `results array: ${Object.keys(report)}`);
    const states = Object.fromEntries(report.results.map((r) => [r.system, r.state]));
    assert.deepEqual(states, { stampede3: 'present', ls6: 'created' });
    // Every request the page sent.
    assert.ok(Array.isArray(report.requests), 'requests array');
    const sent = JSON.stringify(report.requests);
    for (const p of ['/v3/systems/credential/stampede3/user/demo/check', '/v3/systems/credential/ls6/user/demo/check',
      '/v3/systems/ls6', '/v3/systems/credential/ls6/user/demo']) {
      assert.ok(sent.includes(p), `report lists ${p}`);
    }
    const simLog = await sim.log();
    assert.equal(report.requests.length, simLog.length, 'as many requests as the simulator saw');

    // No part of the token: not the whole, not its payload or signature, nor any 12-char piece of them.
    const [, payload, signature] = token.split('.');
    assert.ok(!text.includes(token));
    for (const part of [payload, signature]) {
      assert.ok(!text.includes(part), 'segment absent');
      for (let i = 0; i + 12 <= part.length; i += 6) {
        assert.ok(!text.includes(part.slice(i, i + 12)), `token piece at ${i} absent`);
      }
    }
    assertNoErrors();
  });
});
