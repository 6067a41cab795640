// Issue 10, the fault matrix: simulator fault rules on every step the page takes (token/login,
// check, read system, create, remove, discover). Every affected system ends in a clear state
// with an explanation, the others finish, retries stay within their bounds (counted in the
// simulator's request log) and no create follows an ambiguous answer.
//
// Economy: the faults that do not stop a run share ONE run, one system per fault; the token
// faults (which stop every system by design) get one short run each on the same page; request
// timeouts (30 s in the app, 75 s for checks and creates, which wait for Tapis's SSH login) use
// Playwright's fake clock instead of waiting. A create whose answer was lost is checked again only
// 60 s after it was sent (Tapis may still be logging in to the host), so those rows take a minute.
//
// Retry bounds, from the engine: a check, read or removal is tried at most 3 times (2 retries
// after a 5xx, timeout or network error, never after a 4xx); a create that got an ambiguous
// answer is followed by a check, and by another create only if that check says "missing",
// at most 3 creates in all.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  ENGINE_CONCURRENCY, createsAfterAmbiguous, fixture, forSystem, isCheck, isCreate, pasteToken, row, rows, scenario, setSystems,
  pastTheBound, sleep, step, tmsSystem, track, unexpectedErrors, waitDone, waitRow,
} from './harness.mjs';

const CHECK = (id) => ({ method: 'POST', path: `/v3/systems/credential/${id}/user/*/check` });
const GET = (id) => ({ method: 'GET', path: `/v3/systems/${id}` });
const CREATE = (id) => ({ method: 'POST', path: `/v3/systems/credential/${id}/user/*` });
const DELETE = (id) => ({ method: 'DELETE', path: `/v3/systems/credential/${id}/user/*` });
const TOKENS = { method: 'POST', path: '/v3/oauth2/tokens' };
const LIST = { method: 'GET', path: '/v3/systems' };

const envelope = (message) => ({ status: 'error', message, result: null, version: '1.8.0' });

// Every 5xx status with every kind of body (JSON, nginx's HTML page, empty) once, spread over
// the steps; the rest of the recipes in docs/simulator.md.
const A = {
  s500json: { kind: 'status', status: 500, body: envelope('Internal server error.') },
  s500html: { kind: 'badGateway', status: 500 },
  s500empty: { kind: 'status', status: 500 },
  s502html: { kind: 'badGateway' },
  s502json: { kind: 'status', status: 502, body: envelope('Bad gateway.') },
  s502empty: { kind: 'status', status: 502 },
  s503empty: { kind: 'status', status: 503 },
  s503html: { kind: 'badGateway', status: 503 },
  s503json: { kind: 'status', status: 503, body: envelope('Service unavailable.') },
  s504html: { kind: 'badGateway', status: 504 },
  s504json: { kind: 'status', status: 504, body: envelope('Gateway timeout.') },
  s504empty: { kind: 'status', status: 504 },
  drop: { kind: 'drop' },
  badJson500: { kind: 'invalidJson', status: 500 },
  badJson200: { kind: 'invalidJson', status: 200 },
  noCors: { kind: 'noCors' },
  redirect: { kind: 'redirect' },
  // The JWT filter: plain text, as text/plain or under the resource's JSON content type.
  filter401: { kind: 'status', status: 401, body: 'TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse JWT. Error: JWT signature does not match.' },
  filter401json: { kind: 'status', status: 401, contentType: 'application/json', body: 'TAPIS_SECURITY_JWT_PARSE_ERROR Unable to parse JWT. Error: JWT signature does not match.' },
  // The proxy's revoked-token page, byte for byte as tapis-deployer's token-revoked.json.
  revoked: { kind: 'status', status: 500, contentType: 'application/json', body: '{"status": "error", "message": "Token is revoked.", "version": "26Q2.0", "result": null }\n' },
};

/**
 * The systems of the shared run: [id, fault rule or null, expected state, expected problem,
 * expected steps in the simulator log ('…' = this step may repeat as described)].
 */
const CASES = [];
const add = (id, rule, state, problem, steps, alt) =>
  CASES.push({ id, rule: rule && { ...rule, id }, kind: rule?.action?.kind ?? null, state, problem, steps, alt });
const fail3 = (what, status) => [`${what} ${status}`, `${what} ${status}`, `${what} ${status}`];
const FAIL_CREATE = (status) => ['check 401', 'get 200', `create ${status}`, 'check 401', `create ${status}`, 'check 401', `create ${status}`];
// check: every 5xx with one kind of body each, a drop, an unreadable 500, no CORS
for (const [k, status] of [['s500json', 500], ['s502html', 502], ['s503empty', 503], ['s504html', 504], ['badJson500', 500]]) {
  add(`c-${k.toLowerCase()}`, { ...CHECK(`c-${k.toLowerCase()}`), action: A[k] }, 'failed', 'server-error', fail3('check', status));
}
add('c-drop', { ...CHECK('c-drop'), action: A.drop }, 'failed', 'network', fail3('check', 0));
add('c-nocors', { ...CHECK('c-nocors'), action: A.noCors }, 'failed', 'network', fail3('check', 0));
// read system
for (const [k, status] of [['s500empty', 500], ['s502json', 502], ['s503html', 503], ['s504json', 504]]) {
  add(`g-${k.toLowerCase()}`, { ...GET(`g-${k.toLowerCase()}`), action: A[k] }, 'failed', 'server-error', ['check 401', ...fail3('get', status)]);
}
add('g-drop', { ...GET('g-drop'), action: A.drop }, 'failed', 'network', ['check 401', ...fail3('get', 0)]);
add('g-badjson', { ...GET('g-badjson'), action: A.badJson200 }, 'failed', 'unexpected-response', ['check 401', 'get 200']);
add('g-nocors', { ...GET('g-nocors'), action: A.noCors }, 'failed', 'network', ['check 401', ...fail3('get', 0)]);
// create: every failure is ambiguous (Tapis may have stored a key), so each is followed by a check
for (const [k, status] of [['s500html', 500], ['s502empty', 502], ['s503json', 503], ['s504empty', 504], ['badJson500', 500]]) {
  add(`k-${k.toLowerCase()}`, { ...CREATE(`k-${k.toLowerCase()}`), action: A[k] }, 'failed', 'server-error', FAIL_CREATE(status));
}
add('k-drop', { ...CREATE('k-drop'), action: A.drop }, 'failed', 'network', FAIL_CREATE(0));
add('k-nocors', { ...CREATE('k-nocors'), action: A.noCors }, 'failed', 'network', FAIL_CREATE(0));
// a redirect is never followed (it would carry the token elsewhere) and never retried
add('c-redirect', { ...CHECK('c-redirect'), action: A.redirect }, 'failed', 'redirected', ['check 307']);
add('g-redirect', { ...GET('g-redirect'), action: A.redirect }, 'failed', 'redirected', ['check 401', 'get 307']);
add('k-redirect', { ...CREATE('k-redirect'), action: A.redirect }, 'failed', 'redirected', ['check 401', 'get 200', 'create 307']);
// Tapis stored the key, then the answer was lost: the check that follows finds it, no second create
add('k-lost504', { ...CREATE('k-lost504'), afterHandler: true, limit: 1, action: A.s504html }, 'created', null,
  ['check 401', 'get 200', 'create 504', 'check 200']);
add('k-lost500', { ...CREATE('k-lost500'), afterHandler: true, limit: 1, action: A.badJson500 }, 'created', null,
  ['check 401', 'get 200', 'create 500', 'check 200']);
// Tapis stored the key and the connection dropped before the answer. Chromium may re-send the
// POST by itself on a reused connection (then Tapis mints a second key pair the page never
// hears of); otherwise the page sees a network error and its check finds the key.
add('k-lostdrop', { ...CREATE('k-lostdrop'), afterHandler: true, limit: 1, action: A.drop }, 'created', null,
  ['check 401', 'get 200', 'create 0', 'check 200'], ['check 401', 'get 200', 'create 201']);
// faults that clear: the system recovers within the bound
add('c-503x2', { ...CHECK('c-503x2'), limit: 2, action: A.s503json }, 'created', null, ['check 503', 'check 503', 'check 401', 'get 200', 'create 201']);
// Chromium may re-send a request whose connection dropped on a reused socket by itself, so the
// page may see the second answer directly.
add('g-dropx1', { ...GET('g-dropx1'), limit: 1, action: A.drop }, 'created', null, ['check 401', 'get 0', 'get 200', 'create 201'],
  ['check 401', 'get 200', 'create 201']);
add('k-500x1', { ...CREATE('k-500x1'), limit: 1, action: A.s500json }, 'created', null, ['check 401', 'get 200', 'create 500', 'check 401', 'create 201']);
add('k-dropx1', { ...CREATE('k-dropx1'), limit: 1, action: A.drop }, 'created', null, ['check 401', 'get 200', 'create 0', 'check 401', 'create 201'],
  ['check 401', 'get 200', 'create 201']);
// untouched systems finish
add('ok-1', null, 'created', null, ['check 401', 'get 200', 'create 201']);
add('ok-2', null, 'created', null, ['check 401', 'get 200', 'create 201']);

/**
 * Where the redirects point: a server that answers anything (CORS preflights included, so a
 * browser that followed would send the real request) and records what reaches it.
 */
async function startTrap(t) {
  const hits = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      hits.push({ method: req.method, url: req.url, token: req.headers['x-tapis-token'] ?? null, body });
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
        'access-control-allow-headers': 'content-type, x-tapis-token',
        'content-type': 'application/json',
      });
      res.end(req.method === 'OPTIONS' ? '' : '{"status": "success", "message": "trap", "result": null}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, hits, redirect: { kind: 'redirect', location: `${url}/trap` } };
}

/** Strips the helper field `id` from a case's rule. */
const ruleOf = ({ id, ...rule }) => rule;

/** OPTIONS preflights the browser sent for a path, from the raw log. */
const preflights = (raw, pathPrefix) => raw.filter((e) => e.method === 'OPTIONS' && e.path.startsWith(pathPrefix));

async function loggedIn(env, t, def, opts) {
  const opened = await env.open(t, def, opts);
  await pasteToken(opened.page, await opened.sim.token('demo'));
  return opened;
}

describe('faults', () => {
  const env = fixture();
  before(env.setup);
  after(env.teardown);

  test('one run, one fault per system on check, read and create: clear ends, bounded retries, no blind re-create', { timeout: 300_000 }, async (t) => {
    const trap = await startTrap(t);
    const def = scenario({
      systems: CASES.map((c) => tmsSystem(c.id, { sshCheckDelayMs: 20 })),
      faults: CASES.filter((c) => c.rule)
        .map((c) => ruleOf(c.rule))
        .map((r) => (r.action.kind === 'redirect' ? { ...r, action: trap.redirect } : r)),
    });
    const { page, sim, errors } = await loggedIn(env, t, def);
    await setSystems(page, CASES.map((c) => c.id));
    await sim.clearLog();
    const browser = track(page, sim.url);
    const started = Date.now();
    await page.click('#establish');
    // k-drop waits twice for a lost create to settle at Tapis (60 s each).
    for (const c of CASES) await waitRow(page, c.id, c.state, { sim, timeout: 200_000 });
    await waitDone(page);
    t.diagnostic(`${CASES.length} systems, one fault each, finished in ${Date.now() - started} ms`);

    const seen = await rows(page);
    const log = await sim.log();
    const raw = await sim.rawLog();
    const problems = [];
    const resent = [];
    for (const c of CASES) {
      const r = seen.find((x) => x.system === c.id);
      // What the engine sent (one entry per fetch), and what reached the simulator.
      const sent = forSystem(browser, c.id).map(step);
      const got = forSystem(log, c.id).map(step);
      if (r.state !== c.state || r.problem !== c.problem) problems.push(`${c.id}: ${r.state}/${r.problem}, wanted ${c.state}/${c.problem}`);
      const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
      if (!same(sent, c.steps) && !(c.alt && same(sent, c.alt))) problems.push(`${c.id}: sent ${JSON.stringify(sent)}, wanted ${JSON.stringify(c.steps)}`);
      if (c.kind === 'drop') {
        // A client may re-send on its own after a dropped connection (Chromium over HTTP/1.1
        // keep-alive; over HTTP/2 only for a refused stream or a closed connection): the simulator
        // may see an attempt more than once (or the page see only the re-sent one's answer), never
        // a different sequence; re-sends stay bounded (7x the drops) and are reported.
        const answered = (steps) => steps.filter((x) => !x.endsWith(' 0'));
        if (!same(answered(got), answered(sent))) problems.push(`${c.id}: reached ${JSON.stringify(got)} for ${JSON.stringify(sent)}`);
        const dropped = sent.filter((x) => x.endsWith(' 0')).length;
        const arrived = got.filter((x) => x.endsWith(' 0')).length;
        if (arrived < dropped || arrived > 7 * Math.max(dropped, 1)) problems.push(`${c.id}: ${arrived} dropped requests arrived for ${dropped} sent`);
        if (got.length > sent.length) resent.push(`${c.id}: sent ${JSON.stringify(sent)}, arrived ${JSON.stringify(got)}`);
      } else if (c.kind === 'noCors') {
        // The preflight fails: the request itself never reaches Tapis; one preflight per attempt.
        if (!same(got, sent.filter((x) => !x.endsWith(' 0')))) problems.push(`${c.id}: reached ${JSON.stringify(got)} for ${JSON.stringify(sent)}`);
        const attempts = sent.filter((x) => x.endsWith(' 0')).length;
        const pre = raw.filter((e) => e.method === 'OPTIONS' && forSystem([e], c.id).length).length;
        if (pre < attempts) problems.push(`${c.id}: ${pre} preflights for ${attempts} attempts`);
      } else if (!same(got, sent)) {
        problems.push(`${c.id}: reached ${JSON.stringify(got)}, sent ${JSON.stringify(sent)}`);
      }
      if (!/\S/.test(r.detail)) problems.push(`${c.id}: no explanation`);
      if (c.problem && !/\S/.test(r.next)) problems.push(`${c.id}: no next step`);
      if (/SYSAPI_|SYSLIB_|<html|<h1/i.test(r.detail + r.next)) problems.push(`${c.id}: raw answer in the explanation: ${r.detail}`);
    }
    assert.deepEqual(problems, [], 'every system as expected');
    assert.deepEqual(trap.hits, [], 'no redirect was followed: nothing reached where they pointed');
    if (resent.length) t.diagnostic(`Chromium re-sent dropped requests by itself: ${resent.join('; ')}`);

    assert.deepEqual(createsAfterAmbiguous(browser), [], 'the page never sends a create directly after an ambiguous create answer');
    const notDropped = log.filter((e) => !CASES.some((c) => c.kind === 'drop' && forSystem([e], c.id).length));
    assert.deepEqual(createsAfterAmbiguous(notDropped), [], 'nor does the simulator see one');
    // No create after an ambiguous check or read either: the first create follows a read,
    // after a definite "missing".
    for (const c of CASES) {
      const mine = forSystem(browser, c.id);
      const firstCreate = mine.findIndex(isCreate);
      if (firstCreate === -1) continue;
      assert.deepEqual(mine.slice(firstCreate - 1, firstCreate).map(step), ['get 200'], `${c.id}: the first create follows a read`);
      assert.ok(mine.slice(0, firstCreate).some((e) => isCheck(e) && e.status === 401), `${c.id}: and a definite "missing"`);
    }
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(),
      CASES.filter((c) => c.state === 'created').map((c) => c.id).sort(), 'keys stored exactly where the rows say created');
    assert.deepEqual(unexpectedErrors(errors, sim.url), []);
  });

  test('token faults stop the run on any step: token-rejected everywhere, nothing sent after, no create', { timeout: 90_000 }, async (t) => {
    const ids = pastTheBound('x');
    const queued = ids.slice(ENGINE_CONCURRENCY);
    const def = scenario({ systems: ids.map((id) => tmsSystem(id, { sshCheckDelayMs: 300 })) });
    const { page, sim, assertNoErrors } = await loggedIn(env, t, def);
    await setSystems(page, ids);
    const variants = [
      ['check', CHECK('*'), A.filter401, 'token-invalid'],
      ['get', GET('*'), A.filter401, 'token-invalid'],
      ['create', CREATE('*'), A.filter401, 'token-invalid'],
      ['create', CREATE('*'), A.filter401json, 'token-invalid'], // JSON content type, plain body
      ['check', CHECK('*'), A.revoked, 'token-revoked'],
      ['get', GET('*'), A.revoked, 'token-revoked'],
      ['create', CREATE('*'), A.revoked, 'token-revoked'],
    ];
    for (const [where, target, action, problem] of variants) {
      const what = `${problem} (${action.kind} ${action.status}) on ${where}`;
      await sim.reset(); // no credentials, fault counters and log cleared
      await sim.setFaults([{ ...target, action }]);
      await page.fill('#token', '');
      await pasteToken(page, await sim.token('demo')); // a new token: the last one was rejected
      await page.click('#establish');
      for (const id of ids) await waitRow(page, id, 'token-rejected', { sim, timeout: 15_000 });
      await waitDone(page);
      const seen = await rows(page);
      assert.deepEqual([...new Set(seen.map((r) => r.problem))], [problem], `${what}: every row says ${problem}`);
      for (const r of seen) assert.match(r.detail, /\S/, `${what}: ${r.system} explains`);
      assert.match((await page.textContent('#token-status')).trim(), /\S/, `${what}: the token panel says so`);
      const log = await sim.log();
      const faulted = log.filter((e) => step(e) === `${where} ${action.status}`);
      assert.ok(faulted.length >= 1, `${what}: the fault fired: ${log.map(step)}`);
      // Nothing after a rejection: no retry, no next step, no re-check. Every system that
      // started sent each step at most once and nothing past the faulted one.
      const order = ['check', 'get', 'create'];
      for (const id of ids) {
        const mine = forSystem(log, id).map((e) => step(e).split(' ')[0]);
        assert.equal(new Set(mine).size, mine.length, `${what}: ${id} repeated a step: ${forSystem(log, id).map(step)}`);
        assert.ok(mine.every((k) => order.indexOf(k) <= order.indexOf(where)), `${what}: ${id} went past ${where}: ${mine}`);
      }
      assert.deepEqual(log.filter(isCreate).filter((e) => ![0, action.status].includes(e.status)).map(step), [],
        `${what}: no create got through`);
      assert.deepEqual(await sim.credentials(), [], `${what}: nothing stored`);
      assert.deepEqual(queued.flatMap((id) => forSystem(log, id)), [], `${what}: queued systems never started`);
    }
    assertNoErrors();
  });

  test('remove: 5xx, drops, no CORS, redirects, lost answers and token faults end clearly, within 3 attempts', { timeout: 90_000 }, async (t) => {
    const trap = await startTrap(t);
    const cases = [
      ['r-503', { ...DELETE('r-503'), action: A.s503html }, 'failed', 'server-error', fail3('delete', 503)],
      ['r-502', { ...DELETE('r-502'), action: A.s502html }, 'failed', 'server-error', fail3('delete', 502)],
      ['r-dropx1', { ...DELETE('r-dropx1'), limit: 1, action: A.drop }, 'removed', null, ['delete 0', 'delete 201']],
      ['r-nocors', { ...DELETE('r-nocors'), action: A.noCors }, 'failed', 'network', fail3('delete', 0)],
      ['r-401', { ...DELETE('r-401'), action: A.filter401 }, 'token-rejected', 'token-invalid', ['delete 401']],
      ['r-revoked', { ...DELETE('r-revoked'), action: A.revoked }, 'token-rejected', 'token-revoked', ['delete 500']],
      ['r-redirect', { ...DELETE('r-redirect'), action: trap.redirect }, 'failed', 'redirected', ['delete 307']],
      ['r-lost504', { ...DELETE('r-lost504'), afterHandler: true, limit: 1, action: A.s504html }, 'removed', null, ['delete 504', 'delete 201']],
    ];
    const ids = cases.map((c) => c[0]);
    const def = scenario({
      systems: ids.map((id) => tmsSystem(id)),
      credentials: ids.map((id) => ({ systemId: id, username: 'demo' })),
      faults: cases.map((c) => c[1]),
    });
    const { page, sim, errors } = await loggedIn(env, t, def);
    const browser = track(page, sim.url);
    await setSystems(page, ids);
    await page.click('#check-only');
    for (const id of ids) await waitRow(page, id, 'present', { sim });
    await waitDone(page);
    await sim.clearLog();
    browser.length = 0;
    for (const [id, , state, problem, steps] of cases) {
      // A fresh token each time: a token fault rejects the one before.
      await page.fill('#token', '');
      await pasteToken(page, await sim.token('demo'));
      const remove = `[data-system="${id}"] button[data-action="remove"]`;
      await page.waitForSelector(`${remove}:not([disabled])`);
      await page.click(remove);
      await page.waitForSelector('dialog#confirm-remove[open]');
      await page.click('dialog#confirm-remove [data-action="confirm"]');
      await waitRow(page, id, state, { sim, timeout: 20_000 });
      await waitDone(page);
      const r = await row(page, id);
      assert.equal(r.problem, problem, `${id}: problem`);
      assert.match(r.detail, /\S/, `${id}: explained`);
      const sent = forSystem(browser, id).map(step);
      if (id === 'r-dropx1') {
        // Chromium may re-send the dropped DELETE itself; either way at most two reach Tapis.
        assert.ok(['["delete 0","delete 201"]', '["delete 201"]'].includes(JSON.stringify(sent)), `${id}: sent ${sent}`);
        assert.equal(forSystem(await sim.log(), id).filter((e) => e.status === 201).length, 1);
      } else if (id === 'r-nocors') {
        assert.deepEqual(sent, fail3('delete', 0), `${id}: three attempts`);
        assert.deepEqual(forSystem(await sim.log(), id), [], `${id}: none got past the preflight`);
      } else {
        assert.deepEqual(sent, steps, `${id}: requests sent`);
        assert.deepEqual(forSystem(await sim.log(), id).map(step), steps, `${id}: requests received`);
      }
    }
    const raw = await sim.rawLog();
    assert.equal(preflights(raw, '/v3/systems/credential/r-nocors/').length, 3, 'r-nocors: 3 attempts, stopped at the preflight');
    assert.deepEqual((await sim.credentials()).map((c) => c.systemId).sort(), ['r-401', 'r-502', 'r-503', 'r-nocors', 'r-redirect', 'r-revoked'],
      'only the removals that got through removed anything');
    assert.deepEqual(trap.hits, [], 'the redirect was not followed');
    // Other rows are untouched by a removal.
    assert.equal((await row(page, 'r-503')).state, 'failed');
    assert.deepEqual(unexpectedErrors(errors, sim.url), []);
  });

  test('login: every fault on the token request ends with a message, no token, the password cleared, one request', { timeout: 60_000 }, async (t) => {
    const def = scenario({ systems: [tmsSystem('ls6')] });
    const { page, sim, errors } = await env.open(t, def, { query: (s) => `?tenant=${encodeURIComponent(s.url)}` });
    const browser = track(page, sim.url);
    const trap = await startTrap(t);
    const error = 'section[aria-labelledby="token-heading"] p.field-error[role="alert"]';
    for (const [name, action] of Object.entries({
      s500json: A.s500json, s502html: A.s502html, s503empty: A.s503empty, s504html: A.s504html,
      drop: A.drop, badJson200: A.badJson200, noCors: A.noCors, filter401: A.filter401, revoked: A.revoked,
      redirect: trap.redirect,
    })) {
      await sim.setFaults([{ ...TOKENS, action }]);
      await sim.clearLog();
      browser.length = 0;
      await page.fill('#login-username', 'demo');
      await page.fill('#login-password', 'demo-pw');
      await page.click('#login');
      // Without CORS the preflight fails, or (cached from a moment ago) the request goes through
      // and its answer is blocked.
      await waitRaw(sim, (raw) => raw.some((e) => e.path === '/v3/oauth2/tokens' && (e.method === 'POST' || name === 'noCors')));
      await page.waitForSelector('#login:not([aria-disabled="true"])');
      await page.waitForSelector(error, { timeout: 10_000 });
      const text = (await page.textContent(error)).trim();
      assert.match(text, /\S/, `${name}: a message`);
      assert.doesNotMatch(text, /<html|<h1/i, `${name}: not the raw page`);
      assert.equal(await page.getAttribute('#token-status', 'data-state'), 'none', `${name}: no token`);
      assert.equal(await page.inputValue('#login-password'), '', `${name}: password cleared`);
      const raw = await sim.rawLog();
      const posts = raw.filter((e) => e.method === 'POST');
      assert.equal(browser.length, 1, `${name}: the page sent one token request, no retry`);
      if (name === 'noCors') assert.ok(posts.length <= 1, 'noCors: at most the one request');
      else if (name === 'drop') assert.ok(posts.length >= 1 && posts.length <= 7, `drop: Chromium may re-send: ${posts.length}`);
      else assert.equal(posts.length, 1, `${name}: one token request reached the tenant: ${raw.map(step)}`);
      t.diagnostic(`login ${name}: ${text}`);
    }
    // With the fault gone the same form logs in.
    await sim.setFaults([]);
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'demo-pw');
    await page.click('#login');
    await page.waitForSelector('#token-status[data-state="valid"]');
    assert.equal(await page.$(error), null, 'the old error is gone');
    assert.deepEqual(trap.hits, [], 'the password went nowhere else (the redirect was not followed)');
    assert.deepEqual(unexpectedErrors(errors, sim.url), []);
  });

  test('discover: every fault ends with a message and one request; a token fault blocks runs until a new token', { timeout: 60_000 }, async (t) => {
    const def = scenario({ systems: [tmsSystem('stampede3'), tmsSystem('ls6')] });
    const { page, sim, errors } = await loggedIn(env, t, def);
    const browser = track(page, sim.url);
    const trap = await startTrap(t);
    const error = '.discover p.field-error[role="alert"]';
    for (const [name, action] of Object.entries({
      s500json: A.s500json, s502html: A.s502html, s503empty: A.s503empty, s504json: A.s504json,
      drop: A.drop, badJson200: A.badJson200, noCors: A.noCors, filter401: A.filter401, revoked: A.revoked,
      redirect: trap.redirect,
    })) {
      await sim.setFaults([{ ...LIST, action }]);
      await sim.clearLog();
      browser.length = 0;
      await page.waitForSelector('#discover:not([disabled]):not([aria-disabled="true"])');
      await page.click('#discover');
      await waitRaw(sim, (raw) => raw.some((e) => e.path === '/v3/systems' && (e.method === 'GET' || name === 'noCors')));
      await page.waitForSelector('#discover:not([disabled]):not([aria-disabled="true"])');
      await page.waitForSelector(error, { timeout: 10_000 });
      const text = (await page.textContent(error)).trim();
      assert.match(text, /\S/, `${name}: a message`);
      assert.doesNotMatch(text, /<html|<h1/i, `${name}: not the raw page`);
      assert.equal(await page.$('[data-discovered]'), null, `${name}: nothing listed`);
      const raw = await sim.rawLog();
      assert.equal(browser.length, 1, `${name}: the page sent one list request`);
      const gets = raw.filter((e) => e.method === 'GET').length;
      if (name === 'noCors') assert.ok(gets <= 1, 'noCors: at most the one request');
      else if (name === 'drop') assert.ok(gets >= 1 && gets <= 7, `drop: Chromium may re-send: ${gets}`);
      else assert.equal(gets, 1, `${name}: one list request reached the tenant: ${raw.map(step)}`);
      t.diagnostic(`discover ${name}: ${text}`);
      if (name === 'filter401' || name === 'revoked') {
        // The token is bad: a run is refused without sending anything, until a new token.
        await sim.clearLog();
        await page.click('#establish');
        await page.waitForSelector('#run-refused', { state: 'visible', timeout: 5000 });
        await sleep(300);
        assert.deepEqual(await sim.log(), [], `${name}: a run with the rejected token sends nothing`);
        await page.fill('#token', '');
        await pasteToken(page, await sim.token('demo'));
      }
    }
    await sim.setFaults([]);
    await page.click('#discover');
    await page.waitForSelector('[data-discovered="ls6"]');
    assert.deepEqual(trap.hits, [], 'the token went nowhere else (the redirect was not followed)');
    assert.deepEqual(unexpectedErrors(errors, sim.url), []);
  });

  test('timeouts on login, check, read, create, remove and discover (fake clock): retried within bounds, then a clear end', { timeout: 120_000 }, async (t) => {
    const slow = (target, extra = {}) => ({ ...target, latencyMs: 120_000, ...extra });
    const def = scenario({
      systems: ['t-ok', 't-check', 't-get', 't-create', 't-lost', 't-never'].map((id) => tmsSystem(id, { sshCheckDelayMs: 20 })),
      faults: [
        slow(TOKENS, { limit: 1 }),
        slow(CHECK('t-check'), { limit: 1 }),
        slow(GET('t-get'), { limit: 1 }),
        slow(CREATE('t-create'), { limit: 1 }),
        // Tapis stores the key, then its answer comes too late.
        slow(CREATE('t-lost'), { limit: 1, afterHandler: true }),
        slow(CHECK('t-never')),
      ],
    });
    const { page, sim, assertNoErrors } = await env.open(t, def, {
      query: (s) => `?tenant=${encodeURIComponent(s.url)}`,
      // Time flows as usual; fastForward jumps it past the app's request timeouts.
      beforeLoad: (p) => p.clock.install(),
    });
    // A hanging request reaches the simulator's log only when it ends: watch the browser's side.
    const sent = [];
    page.on('request', (r) => r.url().startsWith(sim.url) && sent.push(`${r.method()} ${new URL(r.url()).pathname}`));
    const sentFor = async (what, count = 1) => {
      const end = Date.now() + 15_000;
      while (sent.filter((x) => x === what).length < count) {
        if (Date.now() > end) throw new Error(`the page did not send ${what} x${count}: ${sent.join(', ')}`);
        await sleep(50);
      }
      await sleep(150); // let the request reach the simulator
    };
    // Past the 30 s timeout of logins, reads, removals and discovery; `pastSsh` past the 75 s
    // of checks and creates (and the 60 s a lost create is given to settle before its re-check).
    const past = () => page.clock.fastForward(31_000);
    const pastSsh = () => page.clock.fastForward(76_000);
    const cred = (id) => `/v3/systems/credential/${id}/user/demo`;

    // Login: the token request hangs, times out with a message, and the next try works.
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'demo-pw');
    await page.click('#login');
    await sentFor('POST /v3/oauth2/tokens');
    await past();
    const loginError = 'section[aria-labelledby="token-heading"] p.field-error[role="alert"]';
    await page.waitForSelector(loginError, { timeout: 5000 });
    assert.match(await page.textContent(loginError), /in time/i, 'the login says Tapis did not answer in time');
    await page.fill('#login-username', 'demo');
    await page.fill('#login-password', 'demo-pw');
    await page.click('#login');
    await page.waitForSelector('#token-status[data-state="valid"]');
    assert.deepEqual((await sim.log()).map(step), ['POST /v3/oauth2/tokens 0', 'POST /v3/oauth2/tokens 200']);

    // Six systems: at a bound of six or more all start together; t-never's check hangs every time,
    // the others' requests hang once.
    const ids = ['t-ok', 't-check', 't-get', 't-create', 't-lost', 't-never'];
    await setSystems(page, ids);
    await sim.clearLog();
    await page.click('#establish');
    await waitRow(page, 't-ok', 'created', { sim });
    await sentFor(`POST ${cred('t-check')}/check`);
    await sentFor(`GET /v3/systems/t-get`);
    await sentFor(`POST ${cred('t-create')}`);
    await sentFor(`POST ${cred('t-lost')}`);
    await pastSsh();
    // t-never: one jump per attempt.
    for (let attempt = 1; attempt <= 3; attempt++) {
      await sentFor(`POST ${cred('t-never')}/check`, attempt);
      await pastSsh();
    }
    for (const id of ['t-check', 't-get', 't-create', 't-lost']) await waitRow(page, id, 'created', { sim });
    await waitRow(page, 't-never', 'failed', { sim });
    await waitDone(page);
    const never = await row(page, 't-never');
    assert.equal(never.problem, 'timeout');
    assert.match(never.detail, /in time/i);
    assert.match(never.next, /\S/);
    const log = await sim.log();
    const steps = (id) => forSystem(log, id).map(step);
    assert.deepEqual(steps('t-check'), ['check 0', 'check 401', 'get 200', 'create 201']);
    assert.deepEqual(steps('t-get'), ['check 401', 'get 0', 'get 200', 'create 201']);
    assert.deepEqual(steps('t-create'), ['check 401', 'get 200', 'create 0', 'check 401', 'create 201'],
      'a create that timed out is checked before it is sent again');
    assert.deepEqual(steps('t-lost'), ['check 401', 'get 200', 'create 0', 'check 200'],
      'the key Tapis stored behind a timed-out create is found by the check, not created twice');
    assert.deepEqual(steps('t-never'), ['check 0', 'check 0', 'check 0'], 'three attempts, then the row gives up');
    assert.deepEqual(createsAfterAmbiguous(log), []);

    // Remove: the first DELETE hangs past the timeout, the retry removes.
    await sim.setFaults([slow(DELETE('t-ok'), { limit: 1 }), slow(LIST, { limit: 1 })]);
    await sim.clearLog();
    await page.click('[data-system="t-ok"] button[data-action="remove"]');
    await page.waitForSelector('dialog#confirm-remove[open]');
    await page.click('dialog#confirm-remove [data-action="confirm"]');
    await sentFor(`DELETE ${cred('t-ok')}`);
    await past();
    await waitRow(page, 't-ok', 'removed', { sim });
    await waitDone(page);
    assert.deepEqual(forSystem(await sim.log(), 't-ok').map(step), ['delete 0', 'delete 201']);

    // Discover: one request, a timeout message, no list.
    await sim.clearLog();
    await page.click('#discover');
    await sentFor('GET /v3/systems');
    await past();
    await page.waitForSelector('.discover p.field-error[role="alert"]', { timeout: 5000 });
    assert.match(await page.textContent('.discover p.field-error[role="alert"]'), /in time/i);
    assert.deepEqual((await sim.log()).map(step), ['GET /v3/systems 0']);
    assertNoErrors();
  });


  // A captive portal or an SSO gateway answers 200 with its own HTML page for any URL. A 2xx
  // counts only with Tapis's JSON envelope; on create, an unreadable 2xx is followed by a check.
  test('a 200/201 that is not Tapis (a portal page, unreadable JSON) is not taken as present or created', {
    timeout: 60_000,
  }, async (t) => {
    const portal = '<!DOCTYPE html><html><body><h1>Sign in to the campus network</h1></body></html>';
    const def = scenario({
      systems: ['p-check-html', 'p-check-json', 'p-create-html', 'p-create-json'].map((id) => tmsSystem(id)),
      faults: [
        { ...CHECK('p-check-html'), action: { kind: 'status', status: 200, contentType: 'text/html', body: portal } },
        { ...CHECK('p-check-json'), action: A.badJson200 },
        { ...CREATE('p-create-html'), action: { kind: 'status', status: 201, contentType: 'text/html', body: portal } },
        { ...CREATE('p-create-json'), action: { kind: 'invalidJson', status: 201 } },
      ],
    });
    const { page, sim } = await loggedIn(env, t, def);
    await setSystems(page, ['p-check-html', 'p-check-json', 'p-create-html', 'p-create-json']);
    await page.click('#establish');
    await waitDone(page, 30_000);
    const seen = await rows(page);
    t.diagnostic(`rows: ${JSON.stringify(seen.map((r) => [r.system, r.state, r.problem]))}`);
    const stored = (await sim.credentials()).map((c) => c.systemId);
    for (const r of seen) {
      assert.ok(!['present', 'created'].includes(r.state) || stored.includes(r.system),
        `${r.system} says ${r.state} but Tapis stores no key for it`);
      assert.deepEqual([r.state, r.problem], ['failed', 'unexpected-response'], r.system);
    }
    // Each unreadable create was followed by a check before any new create.
    const log = await sim.log();
    for (const id of ['p-create-html', 'p-create-json']) {
      const mine = forSystem(log, id).map(step);
      mine.forEach((s, i) => {
        if (i > 2 && s.startsWith('create')) assert.match(mine[i - 1], /^check 401/, `${id}: ${mine}`);
      });
    }
    assert.deepEqual(stored, []);
  });
});

/** Waits for the raw request log (preflights included) to satisfy `pred`. */
async function waitRaw(sim, pred, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const raw = await sim.rawLog();
    if (pred(raw)) return raw;
    if (Date.now() > end) throw new Error(`log condition not met: ${raw.map(step)}`);
    await sleep(50);
  }
}
