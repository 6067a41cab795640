// "Find my systems" (#discover): one list request, the systems the user can see, and TMS_KEYS ones
// can be added as chips; others say they are set up elsewhere.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixture, pasteToken, scenario, setSystems, tmsSystem } from './harness.mjs';

describe('discover', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('lists visible systems and adds a TMS one as a chip', async (t) => {
    const def = scenario({
      systems: [
        tmsSystem('stampede3'),
        tmsSystem('ls6'),
        { ...tmsSystem('corral-pki'), defaultAuthnMethod: 'PKI_KEYS' },
        tmsSystem('hidden-cluster', {}, { visibleTo: [] }),
      ],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    assert.ok(await page.$('#discover[disabled]'), 'disabled without a token');
    assert.match(await page.textContent('.discover .hint'), /once a token is loaded/, 'and says why');
    await pasteToken(page, await sim.token('demo'));
    assert.equal(await page.$('.discover .hint'), null, 'no excuse once it can be used');
    await setSystems(page, ['stampede3']);
    await sim.clearLog();
    await page.click('#discover');
    await page.waitForSelector('[data-discovered]', { timeout: 10_000 });
    const listed = await page.$$eval('[data-discovered]', (els) => els.map((e) => e.dataset.discovered));
    assert.deepEqual(listed.sort(), ['corral-pki', 'ls6', 'stampede3'], 'what the user can see, nothing else');
    assert.equal(await page.$('[data-discovered="corral-pki"] button'), null, 'a PKI_KEYS system cannot be added');
    assert.match(await page.textContent('[data-discovered="corral-pki"]'), /Set up elsewhere \(your own SSH key pair\)/, 'the method in words, not a Tapis code');
    assert.ok(await page.$('[data-discovered="stampede3"] button[aria-disabled="true"]'), 'an already chosen system is marked');
    await page.click('[data-discovered="stampede3"] button', { force: true }); // aria-disabled: still clickable, must do nothing
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['stampede3'], 'adding it again changes nothing');

    await page.click('[data-discovered="ls6"] button');
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['stampede3', 'ls6']);

    const log = await sim.log();
    assert.equal(log.length, 1, `one request: ${log.map((e) => `${e.method} ${e.path}?${e.query}`)}`);
    assert.equal(log[0].method, 'GET');
    assert.equal(log[0].path, '/v3/systems');
    assert.equal(log[0].status, 200);
    assertNoErrors();
  });
});
