// 10. Foundation: the release build loads from / and from a sub-path (relative URLs), mounts inside
// its host element, shows the heading, starts idle with the default systems, and logs no errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fixture, loadApp, openPage, SUB_PATH } from './harness.mjs';

describe('foundation', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('systems input: commas, spaces and Enter add chips; the chip button removes one', async (t) => {
    const p = await openPage(env.browser);
    t.after(() => p.close());
    await loadApp(p.page, env.web.origin);
    const chips = () => p.page.$$eval('[data-chip]', (els) => els.map((e) => e.getAttribute('data-chip')));
    await p.page.click('button[aria-label="Remove ls6"]');
    assert.deepEqual(await chips(), ['stampede3', 'frontera']);
    await p.page.click('#systems');
    await p.page.keyboard.type('vista,lonestar5 corral');
    await p.page.keyboard.press('Enter');
    await p.page.keyboard.type('ls6');
    await p.page.keyboard.press('Enter');
    assert.deepEqual(await chips(), ['stampede3', 'frontera', 'vista', 'lonestar5', 'corral', 'ls6']);
    assert.equal(await p.page.inputValue('#systems'), '', 'the draft is consumed');
    p.assertNoErrors();
  });

  test('start-up mark: tms:ready is set once, when the form is already in the DOM', async (t) => {
    // ./bench measures start-up up to this mark; it must not come before the form is usable.
    const p = await openPage(env.browser);
    t.after(() => p.close());
    await p.page.addInitScript(() => {
      const mark = performance.mark.bind(performance);
      window.__marks = [];
      performance.mark = (name, ...rest) => {
        const ids = ['token', 'systems', 'establish'].filter((id) => document.getElementById(id));
        window.__marks.push({ name, ids });
        return mark(name, ...rest);
      };
    });
    await loadApp(p.page, env.web.origin);
    await p.page.waitForFunction(() => window.__marks.some((m) => m.name === 'tms:ready'));
    const ready = await p.page.evaluate(() => window.__marks.filter((m) => m.name === 'tms:ready'));
    assert.equal(ready.length, 1, 'marked once');
    assert.deepEqual(ready[0].ids, ['token', 'systems', 'establish'], 'the inputs exist at the mark');
    p.assertNoErrors();
  });

  for (const subPath of [false, true]) {
    test(`loads from ${subPath ? SUB_PATH : '/'} without console errors`, async (t) => {
      const p = await openPage(env.browser);
      t.after(() => p.close());
      const responses = [];
      p.page.on('response', (r) => responses.push(r));
      await loadApp(p.page, env.web.origin, { subPath });

      // Mounted into the host element, not into <body> blindly.
      const h1 = await p.page.$eval('#tms-credentials h1', (e) => e.textContent.trim());
      assert.ok(h1.length > 0, 'the h1 has text');
      assert.equal(await p.page.$$eval('body > h1', (els) => els.length), 0);
      assert.equal(await p.page.title().then((s) => s.length > 0), true);

      // Initial state of the contract hooks.
      assert.equal(await p.page.getAttribute('#token-status', 'data-state'), 'none');
      assert.equal(await p.page.getAttribute('#summary', 'data-state'), 'idle');
      assert.equal(await p.page.getAttribute('#token', 'type'), 'password');
      const chips = await p.page.$$eval('[data-chip]', (els) => els.map((e) => e.getAttribute('data-chip')));
      assert.deepEqual(chips, ['stampede3', 'ls6', 'frontera']);
      for (const id of chips) {
        assert.ok(await p.page.$(`[data-chip="${id}"] button[aria-label="Remove ${id}"]`), `remove button for ${id}`);
      }
      for (const id of ['#establish', '#check-only', '#cancel', '#discover', '#login', '#login-username', '#login-password', '#username', '#systems']) {
        assert.ok(await p.page.$(id), `${id} exists`);
      }
      // #base-url and #export-log live in collapsed <details>.
      assert.equal(await p.page.$eval('#base-url', (e) => e.closest('details')?.open), false);
      assert.equal(await p.page.$eval('#export-log', (e) => e.closest('details')?.open), false);

      // Every asset came from the served prefix (relative URLs) with the right type.
      const prefix = env.web.origin + (subPath ? SUB_PATH : '/');
      for (const r of responses) {
        assert.ok(r.url().startsWith(prefix), `${r.url()} is under ${prefix}`);
        assert.equal(r.status(), 200, `${r.url()} -> ${r.status()}`);
      }
      const wasm = responses.filter((r) => r.url().endsWith('.wasm'));
      assert.equal(wasm.length, 1, 'one wasm module');
      assert.equal(wasm[0].headers()['content-type'], 'application/wasm');

      p.assertNoErrors();
    });
  }
});
