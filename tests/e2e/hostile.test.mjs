// Issue 10, hostile input in the browser: tokens that are not what they claim, system ids that
// would change the request path or hide in look-alike characters, separators pasted from
// documents (a multi-byte space once panicked and killed the page), usernames and tenant
// addresses with path, query, userinfo or script parts, and Tapis text with markup. Every bad
// input gets a clear message, nothing is sent that should not be, and the page keeps working.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  fixture, forSystem, pasteToken, rows, scenario, setSystems, sleep, step, tmsSystem, track, waitDone, waitRow,
} from './harness.mjs';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const jwt = (claims, header = { alg: 'RS256', typ: 'JWT' }, signature = b64('not a real signature')) =>
  `${b64(header)}.${b64(claims)}.${signature}`;
const claimsFor = (sim, extra = {}) => ({
  jti: 'e2e', iss: `${sim.url}/v3/tokens`, sub: 'demo@designsafe', 'tapis/tenant_id': 'designsafe',
  'tapis/username': 'demo', 'tapis/token_type': 'access', 'tapis/account_type': 'user',
  exp: Math.floor(Date.now() / 1000) + 3600, ...extra,
});

/** Every request the page makes outside its own origin; real network is refused, not reached. */
async function outbound(page, staticOrigin) {
  const sent = [];
  await page.route((url) => !url.href.startsWith(staticOrigin), (route) => {
    const r = route.request();
    sent.push({ method: r.method(), url: r.url(), headers: r.headers() });
    const local = /^https?:\/\/127\.0\.0\.1:/.test(r.url());
    return local ? route.continue() : route.abort('internetdisconnected');
  });
  return sent;
}

/** Clicks both run buttons: each must be refused with a reason. */
async function assertRunRefused(page, what) {
  for (const button of ['#establish', '#check-only']) {
    await page.click(button);
    await page.waitForSelector('#run-refused', { state: 'visible', timeout: 5000 });
    assert.match((await page.textContent('#run-refused')).trim(), /\S/, `${what}: ${button} refused with a reason`);
  }
  assert.notEqual(await page.getAttribute('#summary', 'data-state'), 'running', `${what}: nothing runs`);
}

describe('hostile input', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('tokens: not JWTs, odd or missing claims, alg none, 100 KB, hostile issuers: a message, nothing sent', { timeout: 60_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, scenario({ systems: [tmsSystem('ls6')] }));
    const sent = await outbound(page, env.web.origin);
    const now = Math.floor(Date.now() / 1000);
    const { exp, ...noExp } = claimsFor(sim);
    const { 'tapis/username': u, ...noUser } = claimsFor(sim);
    const cases = {
      'not a JWT': 'hello world',
      'two parts': 'abc.def',
      'four parts': 'a.b.c.d',
      'garbage parts': '!!!.@@@.###',
      'payload not JSON': `${b64({ alg: 'RS256' })}.${b64('not json')}.${b64('sig')}`,
      'payload an array': `${b64({ alg: 'RS256' })}.${b64([1, 2, 3])}.${b64('sig')}`,
      'alg none, no signature': jwt(claimsFor(sim), { alg: 'none' }, ''),
      'no exp': jwt(noExp),
      'no username': jwt(noUser),
      'a refresh token': jwt(claimsFor(sim, { 'tapis/token_type': 'refresh' })),
      'exp 1e19': jwt(claimsFor(sim, { exp: 1e19 })),
      'exp 2^63': jwt(claimsFor(sim, { exp: 9223372036854775808 })),
      'exp negative': jwt(claimsFor(sim, { exp: -1 })),
      'exp a string': jwt(claimsFor(sim, { exp: 'tomorrow' })),
      'exp long past': jwt(claimsFor(sim, { exp: now - 86400 })),
      'username an object': jwt(claimsFor(sim, { 'tapis/username': { $ne: null } })),
      '100 KB': jwt(claimsFor(sim, { padding: 'x'.repeat(100 * 1024) })),
    };
    for (const [what, token] of Object.entries(cases)) {
      await page.fill('#token', '');
      await page.fill('#token', token);
      await page.waitForSelector('#token-status:not([data-state="none"])', { timeout: 5000 });
      const state = await page.getAttribute('#token-status', 'data-state');
      assert.ok(['malformed', 'expired'].includes(state), `${what}: token status ${state}`);
      const message = (await page.textContent('#token-status')).trim();
      assert.match(message, /\S{3}/, `${what}: says why`);
      assert.ok(!message.includes(token.slice(0, 40)) || token.length < 20, `${what}: the message does not echo the token`);
      assert.equal(await page.getAttribute('#token', 'aria-invalid'), 'true', `${what}: the field is marked invalid`);
      await assertRunRefused(page, what);
      t.diagnostic(`${what}: ${state}: ${message.slice(0, 140)}`);
    }
    // Issuers that are not a tenant address: the token may parse, but it goes nowhere.
    for (const [what, iss] of Object.entries({
      'javascript: issuer': 'javascript:alert(1)//v3/tokens',
      'issuer with userinfo': `${sim.url.replace('://', '://user:pw@')}/v3/tokens`,
      'plain-http remote issuer': 'http://designsafe.tapis.io/v3/tokens',
      'issuer with a fragment': `${sim.url}/v3/tokens#x`,
      'a Tapis Pods container as issuer': 'https://evil.pods.designsafe.tapis.io/v3/tokens',
    })) {
      await page.fill('#token', '');
      await page.fill('#token', jwt(claimsFor(sim, { iss })));
      await page.waitForSelector('#token-status:not([data-state="none"])', { timeout: 5000 });
      await assertRunRefused(page, what);
      // The tenant field the refusal is about is shown, not left folded under "Advanced".
      assert.ok(await page.$eval('details:has(#base-url)', (d) => d.open), `${what}: the tenant field is open`);
      t.diagnostic(`${what}: ${await page.getAttribute('#token-status', 'data-state')}: ${(await page.textContent('#run-refused')).trim().slice(0, 140)}`);
    }
    await sleep(300);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [], 'nothing was sent anywhere');
    assert.deepEqual(await sim.log(), []);
    // The page still works: a good token is taken.
    await page.fill('#token', '');
    await pasteToken(page, await sim.token('demo'));
    assertNoErrors();
  });

  test('alg none with a made-up signature: the app cannot verify it, Tapis refuses it, nothing is created', { timeout: 30_000 }, async (t) => {
    const { page, sim, assertNoErrors } = await env.open(t, scenario({ systems: [tmsSystem('ls6'), tmsSystem('stampede3')] }));
    const sent = await outbound(page, env.web.origin);
    await pasteToken(page, jwt(claimsFor(sim), { alg: 'none', typ: 'JWT' }, b64('x')));
    await setSystems(page, ['ls6', 'stampede3']);
    await page.click('#establish');
    for (const id of ['ls6', 'stampede3']) await waitRow(page, id, 'token-rejected', { sim });
    await waitDone(page);
    assert.deepEqual([...new Set((await rows(page)).map((r) => r.problem))], ['token-invalid']);
    const log = await sim.log();
    assert.ok(log.every((e) => e.status === 401 || e.status === 0), `only the JWT filter's 401: ${log.map(step)}`);
    assert.ok(sent.every((r) => r.url.startsWith(sim.url)), 'sent only to its issuer');
    assert.deepEqual(await sim.credentials(), []);
    assertNoErrors();
  });

  test('system ids: slashes, dot segments, %2f, look-alikes are refused on their chip; pasted separators split without a crash', { timeout: 60_000 }, async (t) => {
    const def = scenario({ systems: ['stampede3', 'ls6', 'frontera', 'vista'].map((id) => tmsSystem(id)) });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    const sent = await outbound(page, env.web.origin);
    await pasteToken(page, await sim.token('demo'));
    const hostile = [
      'ls6/../stampede3', '..', '.', '-ls6', '_ls6', '.ls6', 'ls6%2f..%2fstampede3', 'ls6%2F', 'ls6?x=1', 'ls6#frag',
      '\u0455tampede3', // Cyrillic s
      'ls\uff16', // fullwidth 6
      'ls6\u200b', // zero-width space (not whitespace: stays in the id)
      'LS6\u0307', // combining dot
      '<img/src=x/onerror=window.__xss=1>',
    ];
    for (const id of hostile) {
      await setSystems(page, [id]);
      await page.waitForSelector('[data-invalid-system]', { state: 'attached', timeout: 5000 });
      const invalid = await page.$$eval('[data-invalid-system]', (els) => els.map((e) => [e.getAttribute('data-invalid-system'), e.textContent]));
      assert.deepEqual(invalid.map(([id]) => id), [id], `${JSON.stringify(id)} is marked invalid on its own`);
      assert.match(invalid[0][1], /\S{5}/, `${JSON.stringify(id)}: says why`);
      assert.equal(await page.getAttribute('#systems', 'aria-invalid'), 'true');
      await assertRunRefused(page, JSON.stringify(id));
    }
    assert.equal(await page.$('img'), null, 'markup in an id is shown as text');
    // One bad id among good ones refuses the whole run: nothing is sent for the good ones either.
    await setSystems(page, ['ls6', '..', 'stampede3']);
    await assertRunRefused(page, 'mixed list');
    await sleep(300);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [], 'nothing was sent for any of these');

    // Separators pasted from web pages and documents: no-break, ideographic and em spaces,
    // tabs and newlines. The page must split there, not panic.
    for (const chip of await page.$$('[data-chip] button')) await chip.click().catch(() => {});
    await page.fill('#systems', 'stampede3\u00a0ls6\u3000frontera\u2003vista\t\nls6\u00a0\u00a0');
    await page.press('#systems', 'Enter');
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['stampede3', 'ls6', 'frontera', 'vista']);
    assert.equal(await page.$('[data-invalid-system]'), null);
    // Typed one key at a time, as a paste would arrive in pieces.
    for (const chip of await page.$$('[data-chip] button')) await chip.click().catch(() => {});
    await page.click('#systems');
    await page.keyboard.insertText('ls6\u3000');
    await page.keyboard.insertText('vista\u00a0');
    await page.keyboard.insertText('frontera\u2003');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.$$eval('[data-chip]', (els) => els.map((e) => e.dataset.chip)), ['ls6', 'vista', 'frontera']);
    // And the page still runs.
    await page.click('#check-only');
    for (const id of ['ls6', 'vista', 'frontera']) await waitRow(page, id, 'missing', { sim });
    await waitDone(page);
    assert.deepEqual((await sim.log()).map((e) => e.path).sort(), ['ls6', 'vista', 'frontera']
      .map((id) => `/v3/systems/credential/${id}/user/demo/check`).sort());
    assertNoErrors();
  });

  test('a paste of 2,000 ids keeps the page alive: capped with a message', { timeout: 60_000 }, async (t) => {
    const { page, assertNoErrors } = await env.open(t, scenario({ systems: [tmsSystem('ls6')] }));
    const ids = Array.from({ length: 2000 }, (_, i) => `sys-${i}`);
    const started = Date.now();
    await page.fill('#systems', ids.join('\u00a0'));
    await page.press('#systems', 'Enter');
    await page.waitForSelector('#systems-notice.field-error', { timeout: 20_000 });
    const chips = await page.$$eval('[data-chip]', (els) => els.length);
    t.diagnostic(`2,000 ids pasted: ${chips} chips in ${Date.now() - started} ms`);
    assert.ok(chips >= 300 && chips < 2003, `capped at no less than a few hundred: ${chips}`);
    assert.match(await page.textContent('#systems-notice'), /\d/, 'says how many were left out');
    assertNoErrors();
  });

  test('usernames with path or query characters stay one encoded path segment', { timeout: 30_000 }, async (t) => {
    const def = scenario({ systems: [tmsSystem('ls6')] });
    const { page, sim, assertNoErrors } = await env.open(t, def, { query: (s) => `?tenant=${encodeURIComponent(s.url)}` });
    const browser = track(page, sim.url);
    // A token whose own username has path and query characters (the simulator mints any name).
    const odd = 'a/../b?c=1#d%2f';
    await pasteToken(page, await sim.token(odd));
    assert.equal(await page.inputValue('#username'), odd);
    await setSystems(page, ['ls6']);
    await page.click('#check-only');
    await page.waitForSelector('[data-system="ls6"]:not([data-state="queued"]):not([data-state="checking"])');
    await waitDone(page);
    const urls = browser.map((r) => r.url);
    assert.ok(urls.length >= 1, 'a check was sent');
    for (const url of urls) {
      assert.equal(url, `${sim.url}/v3/systems/credential/ls6/user/${encodeURIComponent(odd)}/check`, 'one encoded segment, no query');
    }
    // Typing another user's name (with path characters) refuses the run: keys are only ever the token's user's.
    browser.length = 0;
    await page.fill('#username', 'demo/../admin?x=1');
    await page.waitForSelector('#username-mismatch');
    await assertRunRefused(page, 'username of someone else');
    // The login form's username goes in the body, never the URL.
    await page.fill('#token', '');
    await page.click('#forget-token').catch(() => {});
    await page.fill('#login-username', 'demo/../admin?grant_type=client_credentials&x=');
    await page.fill('#login-password', 'pw&password=other');
    await page.click('#login');
    await page.waitForSelector('section[aria-labelledby="token-heading"] p.field-error[role="alert"]');
    const tokenRequests = browser.filter((r) => r.path.includes('oauth2'));
    assert.deepEqual(tokenRequests.map((r) => r.url), [`${sim.url}/v3/oauth2/tokens`], 'the URL is fixed');
    assert.equal(await page.getAttribute('#token-status', 'data-state'), 'none');
    assertNoErrors();
  });

  test('tenant addresses with userinfo, javascript:, fragments, trailing dots: refused with a message, nothing sent', { timeout: 60_000 }, async (t) => {
    const def = scenario({ systems: [tmsSystem('ls6')] });
    const { page, sim, assertNoErrors } = await env.open(t, def);
    const sent = await outbound(page, env.web.origin);
    const dialogs = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    const start = page.url();
    const { protocol, host: hostPort } = new URL(sim.url);
    await page.click('details:has(#base-url) > summary');
    const refused = {
      'javascript:': 'javascript:alert(1)',
      'javascript: with a host': 'javascript://designsafe.tapis.io/%0aalert(1)',
      'data:': 'data:text/html,<script>alert(1)</script>',
      'userinfo': 'https://user:secret@designsafe.tapis.io',
      'userinfo on loopback': `${protocol}//user:secret@${hostPort}`,
      'userinfo on plain-http loopback': `http://user:secret@${hostPort}`,
      'a fragment': `${sim.url}#x`,
      'a query': `${sim.url}/?tenant=x`,
      'plain http remote': 'http://designsafe.tapis.io',
      'a path': `${sim.url}/v3/oauth2`,
      'spaces': 'https://designsafe tapis.io',
      'markup': 'https://<img src=x onerror=alert(1)>.tapis.io',
    };
    for (const [what, url] of Object.entries(refused)) {
      await page.fill('#base-url', url);
      await page.waitForSelector('#base-url-error', { timeout: 5000 });
      assert.match((await page.textContent('#base-url-error')).trim(), /\S{5}/, `${what}: says why`);
      assert.equal(await page.getAttribute('#base-url', 'aria-invalid'), 'true', `${what}: field marked invalid`);
      // The login form refuses to send the password there.
      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'demo-pw');
      await page.click('#login');
      await page.waitForSelector('section[aria-labelledby="token-heading"] p.field-error[role="alert"]', { timeout: 5000 });
      assert.equal(await page.inputValue('#login-password'), '', `${what}: password cleared`);
      t.diagnostic(`${what}: ${(await page.textContent('#base-url-error')).trim().slice(0, 120)}`);
    }
    // A trailing dot names the same host (DNS's root): accepted or refused, the form shows
    // exactly where the password would go, and nothing reaches anything else.
    for (const [url, host] of [['https://designsafe.tapis.io.', 'designsafe.tapis.io'], [`${protocol}//127.0.0.1.:${hostPort.split(':')[1]}`, '127.0.0.1']]) {
      await page.fill('#base-url', url);
      await sleep(200);
      const target = (await page.textContent('#login-target')).trim();
      const error = (await page.$('#base-url-error')) ? (await page.textContent('#base-url-error')).trim() : null;
      t.diagnostic(`trailing dot ${url}: login target "${target}", error: ${error ?? 'none'}`);
      assert.ok(target.includes(host), `${url}: the form shows where the password goes: ${target}`);
    }
    await sleep(300);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [], 'no request left the page');
    assert.deepEqual(dialogs, [], 'no script ran');
    assert.equal(page.url(), start, 'no navigation');
    assert.equal(await page.$('img'), null);
    // With a token, only its issuer is a tenant: anything typed here is refused for the run.
    await page.fill('#base-url', sim.url);
    await pasteToken(page, await sim.token('demo'));
    await page.fill('#base-url', `${protocol}//user:pw@${hostPort}`);
    await assertRunRefused(page, 'userinfo tenant with a token');
    await sleep(200);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [], 'the token was not sent');
    assertNoErrors();
  });

  test('?tenant= with javascript:, userinfo, another host or a Tapis Pods container is ignored for the login target', async (t) => {
    const def = scenario({ systems: [tmsSystem('ls6')] });
    // Tapis Pods serves anyone's container at <pod>.pods.<tenant>.tapis.io: under tapis.io, not a tenant.
    const tenants = ['javascript:alert(1)', 'https://user:pw@designsafe.tapis.io', 'https://evil.example',
      'https://designsafe.tapis.io.evil.example', 'https://evil.pods.designsafe.tapis.io', 'https://designsafe.pods.tacc.tapis.io'];
    for (const tenant of tenants) {
      const { page, assertNoErrors, close } = await env.open(t, def, { query: `?tenant=${encodeURIComponent(tenant)}` });
      const target = (await page.textContent('#login-target')).trim();
      assert.doesNotMatch(target, /javascript|user:pw|evil|pods/, `${tenant}: the login target is ${target}`);
      assert.match(target, /\shttps:\/\/[a-z0-9.-]+\.tapis\.io$/, `${tenant}: a Tapis tenant: ${target}`);
      assertNoErrors();
      await close();
    }
  });

  test('Tapis text with markup is shown as text, never as HTML', { timeout: 30_000 }, async (t) => {
    const evil = '<img src=x onerror="window.__xss=1"><b id="injected">bold</b>';
    const def = scenario({
      systems: [
        tmsSystem('ls6'),
        { ...tmsSystem('corral-pki'), defaultAuthnMethod: 'PKI_KEYS', host: `corral${evil}` },
      ],
      faults: [
        { method: 'POST', path: '/v3/systems/credential/ls6/user/*/check', action: { kind: 'status', status: 404, body: { status: 'error', message: `SYSAPI_NOSYSTEM ${evil}`, result: null, version: '1.8.0' } } },
        { method: 'POST', path: '/v3/oauth2/tokens', limit: 1, action: { kind: 'status', status: 400, body: { status: 'error', message: `Invalid ${evil}`, result: null, version: 'dev', metadata: {} } } },
      ],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def, { query: (s) => `?tenant=${encodeURIComponent(s.url)}` });
    // A login refused with markup in its message.
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'demo-pw');
    await page.click('#login');
    await page.waitForSelector('section[aria-labelledby="token-heading"] p.field-error[role="alert"]');
    // A token whose username claim is markup (the page shows it).
    await pasteToken(page, jwt(claimsFor(sim, { 'tapis/username': evil })));
    assert.match(await page.textContent('#token-status'), /<img src=x/, 'the claim is shown as text');
    await page.fill('#token', '');
    await pasteToken(page, await sim.token('demo'));
    // A run whose answer carries markup, and discovery listing a host with markup.
    await setSystems(page, ['ls6']);
    await page.click('#establish');
    await waitRow(page, 'ls6', 'not-found', { sim });
    await waitDone(page);
    await page.click('#discover');
    await page.waitForSelector('[data-discovered="corral-pki"]');
    assert.match(await page.textContent('[data-discovered="corral-pki"]'), /<img src=x/, 'the host is shown as text');
    await page.click('section[aria-labelledby="log-heading"] summary');
    const logText = await page.textContent('section[aria-labelledby="log-heading"]');
    assert.match(logText, /<img src=x/, 'the activity log shows the Tapis message as text');
    assert.equal(await page.$('img'), null, 'no <img> element anywhere');
    assert.equal(await page.$('#injected'), null, 'no injected element');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assertNoErrors();
  });
});
