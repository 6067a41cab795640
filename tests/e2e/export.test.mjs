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

  test('after a password login the report holds neither the password nor the issued token', async (t) => {
    const def = scenario({ systems: [tmsSystem('ls6')] });
    const { page, sim, assertNoErrors } = await env.open(t, def, { query: (s) => `?tenant=${encodeURIComponent(s.url)}`, subPath: true });
    const password = 'demo-pw';
    // The token the login returns, read from the simulator's answer as the page receives it.
    const issued = page.waitForResponse((r) => r.url() === `${sim.url}/v3/oauth2/tokens` && r.status() === 200)
      .then((r) => r.json())
      .then((body) => body.result.access_token.access_token);
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', password);
    await page.click('#login');
    await page.waitForSelector('#token-status[data-state="valid"]');
    const token = await issued;
    await setSystems(page, ['ls6']);
    await page.click('#check-only');
    await waitRow(page, 'ls6', 'missing', { sim });
    await waitDone(page);

    await page.click('details:has(#export-log) > summary');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-log')]);
    const text = await readFile(await download.path(), 'utf8');
    const report = JSON.parse(text);
    assert.ok(report.requests.some((r) => JSON.stringify(r).includes('/v3/oauth2/tokens')), 'the login is listed');
    assert.ok(!text.includes(password), 'no password');
    assert.ok(!text.includes(token), 'no token');
    for (const part of token.split('.').slice(1)) {
      for (let i = 0; i + 12 <= part.length; i += 6) assert.ok(!text.includes(part.slice(i, i + 12)), 'no token piece');
    }
    // Whatever the token is, a JWT always starts with the base64 of '{"' and has two dots.
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, 'no JWT-looking string');
    assertNoErrors();
  });
});

