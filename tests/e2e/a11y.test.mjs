// Accessibility: axe-core (WCAG 2.0/2.1 A and AA) at three moments, a keyboard-only run with the
// remove dialog, the phone-width layout, and the live regions screen readers rely on.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  ROOT, fixture, pasteToken, rows, scenario, screenshotPath, setSystems, sleep, tmsSystem, waitDone, waitRow,
} from './harness.mjs';

const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// One row in each final state that matters here: present, created, not-tms, no-access, not-found.
const MIXED = {
  def: scenario({
    systems: [
      tmsSystem('stampede3'),
      tmsSystem('ls6'),
      { ...tmsSystem('corral-pki'), defaultAuthnMethod: 'PKI_KEYS', canExec: false },
      tmsSystem('private-cluster', {}, { visibleTo: [] }),
    ],
    credentials: [{ systemId: 'stampede3', username: 'demo' }],
  }),
  expected: {
    stampede3: 'present', ls6: 'created', 'corral-pki': 'not-tms', 'private-cluster': 'no-access',
    'no-such-system': 'not-found',
  },
};

async function mixedRun(page, sim) {
  await pasteToken(page, await sim.token('demo'));
  await setSystems(page, Object.keys(MIXED.expected));
  await page.click('#establish');
  for (const [id, state] of Object.entries(MIXED.expected)) await waitRow(page, id, state, { sim });
  await waitDone(page);
}

/** Runs axe on the app's root; resolves to every violation as {id, impact, help, helpUrl, targets}. */
async function axeRun(page) {
  // Evaluated, not added as a <script>: the page's CSP (script-src 'self') blocks inline scripts.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(
    async (tags) => {
      const result = await window.axe.run(document.querySelector('#tms-credentials'), { runOnly: tags });
      return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
        targets: v.nodes.map((n) => n.target.join(' ')),
      }));
    },
    TAGS,
  );
}

const listViolations = (violations) =>
  violations
    .map((v) => `- ${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n    targets: ${v.targets.join(' | ')}`)
    .join('\n');

/** Scans and adds every violation to `found` as {moment, blocking, ...}; serious and critical ones block. */
async function axeScan(t, page, moment, found) {
  for (const v of await axeRun(page)) {
    const blocking = v.impact === 'serious' || v.impact === 'critical';
    found.push({ ...v, moment, blocking });
    for (const line of `axe at "${moment}"${blocking ? '' : ' (not blocking)'}:\n${listViolations([v])}`.split('\n')) t.diagnostic(line);
  }
}

function assertNoBlocking(found) {
  const text = found.map((v) => `at "${v.moment}"${v.blocking ? ' BLOCKING' : ''}:\n${listViolations([v])}`).join('\n');
  const blocking = found.filter((v) => v.blocking).length;
  assert.equal(blocking, 0, `${blocking} serious/critical axe violation(s); every violation found:\n${text}`);
}

// WCAG 2.5.3 Label in Name: an already chosen system's discovery button shows "Added", so its
// accessible name must say so too (it once said "Add <id>").
const LABEL_IN_NAME = 'label-content-name-mismatch';

/** A short description of the focused element, for failure messages. */
const focused = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    if (!a || a === document.body) return 'body';
    const label = a.getAttribute('aria-label') || a.textContent.trim().slice(0, 30);
    return `${a.tagName.toLowerCase()}${a.id ? '#' + a.id : ''}${label ? ` "${label}"` : ''}`;
  });

/**
 * Waits up to `timeout` ms for focus to be on or inside `selector`. A focus that never arrives
 * fails the test here, saying where focus went instead; the assertion that follows checks exactly
 * which element has it.
 */
async function waitFocus(page, selector, timeout = 3000) {
  try {
    await page.waitForFunction((s) => !!document.activeElement?.closest(s), selector, { timeout });
  } catch (e) {
    if (e?.name !== 'TimeoutError') throw e;
    assert.fail(`focus did not reach ${selector} within ${timeout} ms; it is on ${await focused(page)}`);
  }
}

/** Presses Tab (or Shift+Tab) until `selector` has focus; the error shows where focus went. */
async function tabTo(page, selector, { max = 40, back = false } = {}) {
  const seen = [];
  for (let n = 0; n < max; n++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return seen;
    seen.push(await focused(page));
  }
  throw new Error(`${selector} not reached with ${max} ${back ? 'Shift+Tab' : 'Tab'} presses; focus went: ${seen.join(' → ')}`);
}

/**
 * The focus indicator of the focused element: its own outline, or for the chips field (whose input
 * draws no outline) the ring the `.chips` container draws with :focus-within.
 */
const focusRing = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    const own = getComputedStyle(a);
    const box = a.closest('.chips') ?? a;
    const style = box === a ? own : getComputedStyle(box);
    return { on: box === a ? 'self' : '.chips', style: style.outlineStyle, width: style.outlineWidth, focusVisible: a.matches(':focus-visible') };
  });

async function assertFocusRing(page, what) {
  const ring = await focusRing(page);
  assert.notEqual(ring.style, 'none', `${what}: visible focus indicator (outline on ${ring.on}: ${JSON.stringify(ring)})`);
  assert.notEqual(ring.width, '0px', `${what}: outline has a width`);
}

const chips = (page) => page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip));

/** What the systems field's removal status line says. */
const removedSays = (page) =>
  page.$eval('#systems-removed', (e) => e.textContent.trim()).catch(() => '(no #systems-removed)');

describe('accessibility', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('axe: no serious or critical WCAG 2.1 A/AA violations on first screen, discovery, and after a mixed run', { timeout: 45_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, MIXED.def);
    const found = [];
    await axeScan(t, page, 'first screen', found);

    await pasteToken(page, await sim.token('demo'));
    await page.click('#discover');
    await page.waitForSelector('[data-discovered]', { timeout: 10_000 });
    await axeScan(t, page, 'token pasted, systems listed', found);

    await mixedRun(page, sim);
    await page.click('details:has(#log-heading) > summary');
    await page.waitForFunction(() => document.querySelector('details:has(#log-heading)').open);
    await page.click('[data-system="stampede3"] button[data-action="remove"]');
    await page.waitForSelector('dialog#confirm-remove[open]');
    await axeScan(t, page, 'after mixed run, log open, remove dialog open', found);
    assertNoBlocking(found);
    assertNoErrors();
  });

  test('axe: an already added system\'s "Added" button is named by its visible text', {
    timeout: 20_000,
  }, async (t) => {
    const { page, sim } = await env.open(t, MIXED.def);
    await pasteToken(page, await sim.token('demo'));
    await page.click('#discover');
    await page.waitForSelector('[data-discovered="stampede3"] button[aria-disabled="true"]', { timeout: 10_000 });
    const mismatch = (await axeRun(page)).filter((v) => v.id === LABEL_IN_NAME);
    assert.deepEqual(mismatch, [], listViolations(mismatch));
  });

  test('keyboard only: token, chips, run, and the remove dialog (focus in, Escape, focus back)', { timeout: 45_000 }, async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3'), tmsSystem('ls6')],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    const token = await sim.token('demo');

    // From the top of the page: nothing focused yet.
    assert.equal(await focused(page), 'body');
    await tabTo(page, '#token');
    await assertFocusRing(page, '#token');
    await page.keyboard.insertText(token);
    await page.waitForSelector('#token-status[data-state="valid"]', { timeout: 5000 });

    await tabTo(page, '#systems');
    await assertFocusRing(page, '#systems');
    // Backspace in the empty field removes the last chip: clear the defaults that way.
    for (let n = (await chips(page)).length; n > 0; n--) {
      await page.keyboard.press('Backspace');
      assert.equal((await chips(page)).length, n - 1, 'Backspace removed one chip');
    }
    for (const id of ['stampede3', 'ls6', 'oops']) {
      await page.keyboard.type(id);
      await page.keyboard.press('Enter');
    }
    assert.deepEqual(await chips(page), ['stampede3', 'ls6', 'oops']);
    await page.keyboard.press('Backspace');
    assert.deepEqual(await chips(page), ['stampede3', 'ls6'], 'Backspace removed the last chip');
    assert.ok(await page.evaluate(() => document.activeElement.id === 'systems'), 'focus stays in the field');

    await sim.clearLog();
    await tabTo(page, '#establish');
    await assertFocusRing(page, '#establish');
    await page.keyboard.press('Enter');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitRow(page, 'ls6', 'created', { sim });
    await waitDone(page);
    await waitFocus(page, '#results-heading');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'results-heading', 'at the end of a run focus moves to the results');

    const remove = '[data-system="ls6"] button[data-action="remove"]';
    await tabTo(page, remove);
    await assertFocusRing(page, 'row remove button');
    await sim.clearLog();
    await page.keyboard.press('Space');
    await page.waitForSelector('dialog#confirm-remove[open]');
    await waitFocus(page, 'dialog#confirm-remove');
    assert.ok(
      await page.evaluate(() => document.activeElement?.matches('dialog#confirm-remove [data-action="cancel"]')),
      `focus lands on "Keep credentials" in the dialog, not ${await focused(page)}`,
    );
    await assertFocusRing(page, 'dialog "Keep credentials"');

    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('dialog#confirm-remove').open, null, { timeout: 3000 });
    await sleep(300);
    assert.deepEqual((await sim.log()).filter((e) => e.method === 'DELETE'), [], 'Escape deletes nothing');
    assert.equal(await page.getAttribute('[data-system="ls6"]', 'data-state'), 'created');
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(), ['ls6', 'stampede3']);
    assert.ok(
      await page.evaluate((s) => document.activeElement?.matches(s), remove),
      `focus returns to the row's remove button, not ${await focused(page)}`,
    );
    assertNoErrors();
  });

  test('phone width (375 px): no horizontal scrolling and every row fits after a mixed run', { timeout: 30_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, MIXED.def);
    await page.setViewportSize({ width: 375, height: 800 });
    await mixedRun(page, sim);
    const fit = () =>
      page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        rows: [...document.querySelectorAll('[data-system]')].map((e) => {
          const r = e.getBoundingClientRect();
          return { system: e.dataset.system, left: r.left, right: r.right };
        }),
        // The widest elements, to name a culprit when the page scrolls sideways.
        widest: [...document.querySelectorAll('#tms-credentials *')]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`),
      }));
    const m = await fit();
    await page.screenshot({ path: screenshotPath('phone-after-run.png'), fullPage: true });
    assert.ok(m.scrollWidth <= m.innerWidth, `no horizontal scrolling: scrollWidth ${m.scrollWidth} > ${m.innerWidth}; overflowing: ${m.widest.join(', ')}`);
    assert.equal(m.rows.length, Object.keys(MIXED.expected).length);
    for (const r of m.rows) {
      assert.ok(r.left >= 0 && r.right <= m.innerWidth, `row ${r.system} inside the viewport: ${JSON.stringify(r)}`);
    }
    assertNoErrors();
  });

  test('phone width (375 px): the "Find my systems" table fits without horizontal scrolling', {
    timeout: 20_000,
  }, async (t) => {
    const { page, sim } = await env.open(t, MIXED.def);
    await page.setViewportSize({ width: 375, height: 800 });
    await pasteToken(page, await sim.token('demo'));
    await page.click('#discover');
    await page.waitForSelector('[data-discovered]', { timeout: 10_000 });
    const m = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      table: Math.round(document.querySelector('table.discovered').getBoundingClientRect().right),
      innerWidth: window.innerWidth,
    }));
    assert.ok(m.scrollWidth <= m.innerWidth, `no horizontal scrolling with the list shown: ${JSON.stringify(m)}`);
  });

  test('keyboard: adding a discovered system keeps focus on something, not <body>', {
    timeout: 20_000,
  }, async (t) => {
    const { page, sim } = await env.open(t, MIXED.def);
    await pasteToken(page, await sim.token('demo'));
    await setSystems(page, ['stampede3']);
    await page.focus('#discover');
    await page.keyboard.press('Enter');
    const add = '[data-discovered="ls6"] button';
    await page.waitForSelector(add, { timeout: 10_000 });
    assert.equal(await focused(page), 'button#discover "Find my systems"', 'focus stays on the button while it searches');
    await page.focus(add);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${add}[aria-disabled="true"]`);
    await sleep(200);
    assert.deepEqual(await chips(page), ['stampede3', 'ls6']);
    assert.notEqual(await focused(page), 'body', 'focus is not lost after Add');
  });

  test('live regions: the summary status is present before the run and announces the result; the token status says loaded', { timeout: 30_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, MIXED.def);
    const region = '#summary [role=status]';
    const tokenRegion = '#token-status [role=status]';
    // Both live regions exist (and are empty or idle) before anything they announce happens.
    assert.ok(await page.$(region), `${region} is in the DOM before the run`);
    assert.ok(await page.$(tokenRegion), `${tokenRegion} is in the DOM before a token is pasted`);
    assert.equal((await page.textContent(tokenRegion)).trim(), '', 'nothing to announce yet');
    const before = (await page.textContent(region)).trim();
    assert.doesNotMatch(before, /^Done/);
    // Tag the nodes: a region replaced by a new node is not announced by most screen readers.
    await page.evaluate(([a, b]) => {
      document.querySelector(a).dataset.probe = 'kept';
      document.querySelector(b).dataset.probe = 'kept';
    }, [region, tokenRegion]);

    await pasteToken(page, await sim.token('demo'));
    assert.match((await page.textContent(tokenRegion)).trim(), /^Token for demo loaded\.$/);
    assert.equal(await page.getAttribute(tokenRegion, 'data-probe'), 'kept', 'the token status region is the same node');

    await setSystems(page, Object.keys(MIXED.expected));
    await page.click('#establish');
    for (const [id, state] of Object.entries(MIXED.expected)) await waitRow(page, id, state, { sim });
    await waitDone(page);
    const done = (await page.textContent(region)).trim();
    assert.equal(done, 'Done: 1 created, 1 already set up, 3 need attention.');
    assert.equal(await page.getAttribute(region, 'data-probe'), 'kept', 'the summary region is the same node');
    assert.equal(await page.getAttribute(region, 'aria-live'), 'polite');
    assertNoErrors();
  });

  test('live regions: a 30-system run is announced twice (start, done), not once per system', { timeout: 60_000 }, async (t) => {
    // Every third system already has its key: checks, reads and creates finish at different times.
    const ids = Array.from({ length: 30 }, (_, i) => `sys${i + 1}`);
    const def = scenario({
      systems: ids.map((id) => tmsSystem(id)),
      credentials: ids.filter((_, i) => i % 3 === 0).map((systemId) => ({ systemId, username: 'demo' })),
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    await pasteToken(page, await sim.token('demo'));
    await setSystems(page, ids);
    // Every text the region shows from here on; a screen reader announces each change.
    await page.evaluate(() => {
      const region = document.querySelector('#summary [role=status]');
      let last = region.textContent.trim();
      window.__announced = [];
      new MutationObserver(() => {
        const text = region.textContent.trim();
        if (text !== last) window.__announced.push((last = text));
      }).observe(region, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#establish');
    await waitDone(page, 45_000);
    assert.deepEqual(
      (await rows(page)).filter((r) => !['present', 'created'].includes(r.state)),
      [],
      'every system ends set up',
    );
    const announced = await page.evaluate(() => window.__announced);
    assert.ok(announced.length <= 2, `at most two announcements (start, done), got ${announced.length}:\n${announced.join('\n')}`);
    assert.match(announced.at(-1), /^Done: /);
    // The results heading takes focus at the end; its description is the result.
    const described = await page.evaluate(() =>
      (document.querySelector('#results-heading').getAttribute('aria-describedby') ?? '')
        .split(/\s+/).filter(Boolean).map((id) => document.getElementById(id)?.textContent.trim() ?? `(no #${id})`).join(' '));
    assert.equal(described, announced.at(-1), 'the heading is described by the final sentence');
    assertNoErrors();
  });

  test('keyboard: holding Backspace empties the draft but removes no chip; a removal is announced', { timeout: 20_000 }, async (t) => {
    const { page } = await env.open(t, MIXED.def);
    await setSystems(page, ['stampede3', 'ls6', 'frontera']);
    await page.focus('#systems');
    await page.keyboard.type('vist');
    // Key auto-repeat: after the first, every keydown comes with repeat=true.
    for (let n = 0; n < 8; n++) await page.keyboard.down('Backspace');
    await page.keyboard.up('Backspace');
    await sleep(100);
    assert.deepEqual(await chips(page), ['stampede3', 'ls6', 'frontera'], 'a held Backspace removes no chip');
    assert.equal(await page.inputValue('#systems'), '', 'only the draft is emptied');

    // A separate press still removes the last chip, and says so.
    await page.keyboard.press('Backspace');
    assert.deepEqual(await chips(page), ['stampede3', 'ls6']);
    assert.equal(await removedSays(page), 'Removed frontera.');
    assert.equal(await page.getAttribute('#systems-removed', 'role'), 'status');
  });

  test('keyboard: removing a chip with its × button moves focus to the next chip, else the previous, else the field', { timeout: 20_000 }, async (t) => {
    const { page, assertNoErrors } = await env.open(t, MIXED.def);
    await setSystems(page, ['a1', 'b2', 'c3']);
    const button = (id) => `[data-chip="${id}"] button`;
    // Tag b2's own button: a reused node relabelled to "Remove b2" is not where the user was.
    const tag = (id) => page.$eval(button(id), (b) => (b.dataset.probe = 'own'));
    const onOwn = (id) => page.evaluate((s) => document.activeElement?.matches(`${s}[data-probe="own"]`) ?? false, button(id));

    await tag('b2');
    await page.focus(button('a1'));
    await page.keyboard.press('Enter');
    assert.deepEqual(await chips(page), ['b2', 'c3']);
    await waitFocus(page, button('b2'));
    assert.notEqual(await focused(page), 'body', 'focus is not lost');
    assert.ok(await onOwn('b2'), `focus on b2's own remove button, not ${await focused(page)}`);
    assert.equal(await removedSays(page), 'Removed a1.');

    // The last chip: focus goes back to the one before it.
    await page.focus(button('c3'));
    await page.keyboard.press('Enter');
    assert.deepEqual(await chips(page), ['b2']);
    await waitFocus(page, button('b2'));
    assert.ok(await onOwn('b2'), `focus on b2's own remove button, not ${await focused(page)}`);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Remove b2');
    assert.equal(await removedSays(page), 'Removed c3.');

    // No chip left: focus goes to the field.
    await page.keyboard.press('Enter');
    assert.deepEqual(await chips(page), []);
    await waitFocus(page, '#systems');
    assert.equal(await focused(page), 'input#systems');
    assertNoErrors();
  });

  test('keyboard: the chips are one Tab stop; arrows move through them and back, Delete removes one', { timeout: 20_000 }, async (t) => {
    const { page, assertNoErrors } = await env.open(t, MIXED.def);
    // A pasted list of 50 ids is not 50 Tab stops between the username and the field.
    await setSystems(page, Array.from({ length: 50 }, (_, i) => `sys${i}`));
    await page.focus('#username');
    await tabTo(page, '#systems', { max: 2 });

    await setSystems(page, ['a1', 'b2', 'c3']);
    await page.focus('#systems');
    const on = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id);
    await page.keyboard.press('ArrowLeft');
    assert.equal(await on(), 'Remove c3', 'Left from the start of the field goes to the last chip');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await on(), 'Remove b2');
    await page.keyboard.press('Delete');
    assert.deepEqual(await chips(page), ['a1', 'c3']);
    await waitFocus(page, '[aria-label="Remove c3"]');
    assert.equal(await on(), 'Remove c3', 'focus moves to the chip now in its place');
    assert.equal(await removedSays(page), 'Removed b2.');
    await page.keyboard.press('Home');
    assert.equal(await on(), 'Remove a1');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.equal(await on(), 'systems', 'Right from the last chip goes back to the field');
    // Typed text keeps its own Left arrow.
    await page.keyboard.type('vi');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await on(), 'systems');
    assertNoErrors();
  });

  test('keyboard: after a confirmed removal, focus returns to that system\'s row, not <body> or the heading', { timeout: 30_000 }, async (t) => {
    const def = scenario({
      systems: [tmsSystem('stampede3'), tmsSystem('ls6')],
      credentials: [{ systemId: 'stampede3', username: 'demo' }, { systemId: 'ls6', username: 'demo' }],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    await pasteToken(page, await sim.token('demo'));
    await setSystems(page, ['stampede3', 'ls6']);
    await page.click('#check-only');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitRow(page, 'ls6', 'present', { sim });
    await waitDone(page);

    const remove = '[data-system="ls6"] button[data-action="remove"]';
    await page.waitForSelector(`${remove}:not([disabled])`);
    await tabTo(page, remove);
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#confirm-remove[open]');
    await tabTo(page, 'dialog#confirm-remove [data-action="confirm"]', { max: 3 });
    await page.keyboard.press('Enter');
    await waitRow(page, 'ls6', 'removed', { sim });
    await waitDone(page);
    const inRow = () => page.evaluate(() => !!document.activeElement?.closest('[data-system="ls6"]'));
    await waitFocus(page, '[data-system="ls6"]');
    assert.ok(await inRow(), `focus is on ls6's row, not ${await focused(page)}`);
    await assertFocusRing(page, 'the removed row');
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId), ['stampede3']);
    assertNoErrors();
  });

  test('keyboard: after a row\'s Retry, focus returns to that row', { timeout: 30_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, MIXED.def);
    await pasteToken(page, await sim.token('demo'));
    await setSystems(page, ['stampede3', 'no-such-system']);
    await page.click('#check-only');
    await waitRow(page, 'no-such-system', 'not-found', { sim });
    await waitDone(page);

    const retry = '[data-system="no-such-system"] button[data-action="retry"]';
    await page.waitForSelector(`${retry}:not([disabled])`);
    await tabTo(page, retry);
    // The summary is "done" before the retry too: wait for it to have been "running" since.
    await page.evaluate(() => {
      const summary = document.querySelector('#summary');
      window.__ran = false;
      new MutationObserver(() => (window.__ran ||= summary.dataset.state === 'running'))
        .observe(summary, { attributes: true, attributeFilter: ['data-state'] });
    });
    await sim.clearLog();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__ran && document.querySelector('#summary').dataset.state === 'done', null, { timeout: 10_000 });
    await waitFocus(page, '[data-system="no-such-system"]');
    assert.ok((await sim.log()).length > 0, 'the retry ran');
    assert.ok(
      await page.evaluate(() => !!document.activeElement?.closest('[data-system="no-such-system"]')),
      `focus is on the retried row, not ${await focused(page)}`,
    );
    assertNoErrors();
  });

  test('username: a name other than the token\'s owner marks the field invalid', { timeout: 20_000 }, async (t) => {
    const { page, sim } = await env.open(t, MIXED.def);
    await pasteToken(page, await sim.token('demo'));
    assert.notEqual(await page.getAttribute('#username', 'aria-invalid'), 'true', 'the owner\'s name is valid');
    await page.fill('#username', 'someone-else');
    await page.waitForSelector('#username-mismatch');
    assert.equal(await page.getAttribute('#username', 'aria-invalid'), 'true', 'invalid while the mismatch shows');
    assert.match(await page.getAttribute('#username', 'aria-describedby'), /\busername-mismatch\b/);
    await page.fill('#username', 'demo');
    await page.waitForSelector('#username-mismatch', { state: 'detached' });
    assert.notEqual(await page.getAttribute('#username', 'aria-invalid'), 'true', 'valid again');
  });
});
