// Issue 10, token hygiene, asserted in the browser: after a failed login, after a full run
// (login, run, discovery, removal, both report exports) and after "Forget token", the token
// and the passwords appear in no URL (the page's or any request's), cookie, localStorage,
// console message, exported report, DOM attribute or text, request header other than
// X-Tapis-Token or request body other than the login's; sessionStorage holds the token only
// while the user opted in; every request that carried X-Tapis-Token went to the token's own
// tenant (its issuer), as Playwright's request events show.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fixture, pasteToken, scenario, setSystems, tmsSystem, waitDone, waitRow } from './harness.mjs';

const PASSWORD = 'Hq7-zebra!Lantern#2931';
const WRONG = 'Wrong-Xk4!Pebble#8812';
const STORAGE_KEY = 'tms-credentials.token';

/** Needles for a token: the whole, its payload, and overlapping pieces of its signature. */
function tokenNeedles(token) {
  const [, payload, signature] = token.split('.');
  const pieces = [token, payload, signature];
  for (let i = 0; i + 20 <= signature.length; i += 10) pieces.push(signature.slice(i, i + 20));
  return pieces;
}

/** Watches everything the page exposes, for `find` to search later. */
function observe(page, context) {
  const seen = { console: [], requests: [] };
  page.on('console', (m) => seen.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => seen.console.push(`pageerror: ${e.message}`));
  page.on('request', (r) => seen.requests.push({ method: r.method(), url: r.url(), headers: r.headers(), body: r.postData() ?? '' }));
  page.on('framenavigated', (f) => seen.console.push(`navigated: ${f.url()}`));
  return {
    seen,
    /** Every place a needle shows up: [where, needle]. `allow` names places where it may be. */
    async find(needles, { allow = [] } = {}) {
      const dom = await page.evaluate(() => {
        const fields = [...document.querySelectorAll('input, textarea, select')].map((e) => [e.id || e.name || e.tagName, e.value]);
        let storage = {};
        for (let i = 0; i < sessionStorage.length; i++) storage[sessionStorage.key(i)] = sessionStorage.getItem(sessionStorage.key(i));
        let local = {};
        for (let i = 0; i < localStorage.length; i++) local[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
        return {
          html: document.documentElement.outerHTML,
          text: document.body.innerText,
          fields,
          session: JSON.stringify(storage),
          local: JSON.stringify(local),
          title: document.title,
          name: window.name,
          history: JSON.stringify(history.state),
          url: location.href,
        };
      });
      const cookies = JSON.stringify(await context.cookies());
      const places = [
        ['page URL', page.url()], ['location', dom.url], ['DOM (attributes and text)', dom.html], ['visible text', dom.text],
        ['cookies', cookies], ['localStorage', dom.local], ['sessionStorage', dom.session], ['title', dom.title],
        ['window.name', dom.name], ['history.state', dom.history], ['console', seen.console.join('\n')],
        ...dom.fields.map(([id, v]) => [`field #${id}`, v]),
        ...seen.requests.map((r) => [`request URL ${r.method} ${r.url}`, r.url]),
        ...seen.requests.map((r) => [`headers of ${r.method} ${r.url}`,
          JSON.stringify(Object.entries(r.headers).filter(([k]) => k.toLowerCase() !== 'x-tapis-token'))]),
        ...seen.requests.map((r) => [`${r.url.endsWith('/v3/oauth2/tokens') ? 'login body' : 'body'} of ${r.method} ${r.url}`, r.body]),
      ];
      const hits = [];
      for (const [where, text] of places) {
        if (allow.some((a) => where.startsWith(a))) continue;
        for (const n of needles) if (text && text.includes(n)) hits.push(`${where}: contains ${n.length > 24 ? n.slice(0, 12) + '…' : n}`);
      }
      return [...new Set(hits)];
    },
  };
}

async function reports(page) {
  await page.click('section[aria-labelledby="log-heading"] summary');
  await page.waitForSelector('#copy-log', { state: 'visible' });
  await page.evaluate(() => navigator.clipboard.writeText(''));
  await page.click('#copy-log');
  let copied = '';
  for (let i = 0; i < 40 && !copied; i++) {
    copied = await page.evaluate(() => navigator.clipboard.readText());
    if (!copied) await new Promise((r) => setTimeout(r, 50));
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-log')]);
  const downloaded = await readFile(await download.path(), 'utf8');
  await page.click('section[aria-labelledby="log-heading"] summary');
  return { copied, downloaded };
}

describe('token hygiene', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('after a failed login, a full run and Forget token: no token or password anywhere it should not be', { timeout: 90_000 }, async (t) => {
    const def = scenario({
      users: [{ username: 'demo', password: PASSWORD }],
      systems: [tmsSystem('stampede3'), tmsSystem('ls6'), { ...tmsSystem('corral-pki'), defaultAuthnMethod: 'PKI_KEYS' }],
      credentials: [{ systemId: 'stampede3', username: 'demo' }],
    });
    const { page, context, sim, assertNoErrors } = await env.open(t, def, { query: (s) => `?tenant=${encodeURIComponent(s.url)}` });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.web.origin });
    const watch = observe(page, context);

    // 1. A failed login.
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', WRONG);
    await page.click('#login');
    await page.waitForSelector('section[aria-labelledby="token-heading"] p.field-error[role="alert"]');
    await page.waitForSelector('#login:not([disabled])');
    let hits = await watch.find([WRONG], { allow: ['login body'] });
    assert.deepEqual(hits, [], 'after a failed login, the wrong password is nowhere');
    const failed = await reports(page);
    assert.ok(failed.copied.length > 0 && failed.downloaded.length > 0, 'both reports were produced');
    for (const r of [failed.copied, failed.downloaded]) assert.ok(!r.includes(WRONG), 'not in the reports');

    // 2. A login that works, then a full run, discovery and a removal.
    const issued = page.waitForResponse((r) => r.url() === `${sim.url}/v3/oauth2/tokens` && r.status() === 200)
      .then((r) => r.json()).then((b) => b.result.access_token.access_token);
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login');
    await page.waitForSelector('#token-status[data-state="valid"]');
    const token = await issued;
    await setSystems(page, ['stampede3', 'ls6', 'corral-pki']);
    await page.click('#establish');
    await waitRow(page, 'stampede3', 'present', { sim });
    await waitRow(page, 'ls6', 'created', { sim });
    await waitRow(page, 'corral-pki', 'not-tms', { sim });
    await waitDone(page);
    await page.click('#discover');
    await page.waitForSelector('[data-discovered="ls6"]');
    await page.click('[data-system="ls6"] button[data-action="remove"]');
    await page.waitForSelector('dialog#confirm-remove[open]');
    await page.click('dialog#confirm-remove [data-action="confirm"]');
    await waitRow(page, 'ls6', 'removed', { sim });
    await waitDone(page);
    const full = await reports(page);
    assert.match(full.downloaded, /\/v3\/systems\/credential\/ls6/, 'the report lists the requests');

    const secrets = [PASSWORD, WRONG, ...tokenNeedles(token)];
    // The token may sit in the field it was typed into (a password field); after a password
    // login it never needs to.
    hits = await watch.find(secrets, { allow: ['login body', 'field #token'] });
    assert.deepEqual(hits, [], 'after a full run, no secret anywhere');
    for (const [name, text] of Object.entries(full)) {
      for (const s of secrets) assert.ok(!text.includes(s), `${name} report holds no secret`);
      assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./, `${name} report holds nothing JWT-like`);
    }
    const login = watch.seen.requests.filter((r) => r.url.endsWith('/v3/oauth2/tokens'));
    assert.equal(login.length, 2, 'two logins');
    for (const r of login) {
      assert.equal(r.method, 'POST');
      assert.equal(new URL(r.url).search, '', 'the password goes in the body, never the URL');
      assert.equal(r.headers['x-tapis-token'], undefined, 'the login carries no token');
    }
    assert.equal(login.filter((r) => r.body.includes(PASSWORD)).length, 1, 'the password was in the one login body');
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), null, 'no opt-in: sessionStorage empty');

    // Every request that carried the token went to its issuer, the tenant that made it.
    const carried = watch.seen.requests.filter((r) => r.headers['x-tapis-token'] !== undefined);
    assert.ok(carried.length >= 8, `the token was used: ${carried.length} requests`);
    const issuer = JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).iss.replace(/\/v3\/tokens$/, '');
    assert.equal(issuer, sim.url);
    for (const r of carried) {
      assert.equal(new URL(r.url).origin, issuer, `${r.method} ${r.url} went to the token's tenant`);
      assert.equal(r.headers['x-tapis-token'], token, 'the header holds the token itself, nothing else');
    }
    assert.ok(watch.seen.requests.filter((r) => !r.url.startsWith(env.web.origin)).every((r) => r.url.startsWith(sim.url)),
      'nothing went to any third place');

    // 3. Opt in, then Forget token: the token leaves sessionStorage, the field and the page.
    await page.check('#remember-token');
    await page.waitForFunction((k) => sessionStorage.getItem(k) !== null, STORAGE_KEY);
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), token, 'opted in: kept for this tab');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'never localStorage');
    await page.click('#forget-token');
    await page.waitForSelector('#token-status[data-state="none"]');
    assert.equal(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY), null, 'forgotten: sessionStorage empty');
    assert.equal(await page.inputValue('#token'), '');
    hits = await watch.find(secrets, { allow: ['login body'] });
    assert.deepEqual(hits, [], 'after Forget token, no secret anywhere, the token field included');
    // And it is not used again: a run is refused without sending anything.
    const before = watch.seen.requests.length;
    await page.click('#establish');
    await page.waitForSelector('#run-refused', { state: 'visible' });
    assert.equal(watch.seen.requests.length, before, 'nothing sent after Forget token');
    assertNoErrors();
  });

  test('sessionStorage only with the opt-in: kept across a reload, dropped when unticked or forgotten', { timeout: 30_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, scenario({ systems: [tmsSystem('ls6')] }));
    const token = await sim.token('demo');
    const stored = () => page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY);
    await pasteToken(page, token);
    assert.equal(await stored(), null, 'not without the opt-in');
    await page.reload();
    await page.waitForSelector('#token-status[data-state="none"]', { state: 'attached' });
    assert.equal(await page.inputValue('#token'), '', 'a reload without the opt-in forgets it');
    await pasteToken(page, token);
    await page.check('#remember-token');
    await page.waitForFunction((k) => sessionStorage.getItem(k) !== null, STORAGE_KEY);
    assert.equal(await stored(), token);
    await page.reload();
    await page.waitForSelector('#token-status[data-state="valid"]', { state: 'attached' });
    assert.ok(await page.isChecked('#remember-token'), 'restored with its opt-in');
    await page.uncheck('#remember-token');
    await page.waitForFunction((k) => sessionStorage.getItem(k) === null, STORAGE_KEY);
    await page.check('#remember-token');
    await page.waitForFunction((k) => sessionStorage.getItem(k) !== null, STORAGE_KEY);
    await page.click('#forget-token');
    await page.waitForFunction((k) => sessionStorage.getItem(k) === null, STORAGE_KEY);
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'never localStorage');
    assert.deepEqual(await page.context().cookies(), [], 'never a cookie');
    await page.reload();
    await page.waitForSelector('#token-status[data-state="none"]', { state: 'attached' });
    assertNoErrors();
  });
});
