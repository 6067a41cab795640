// The README's serve command: `./run --demo` builds and serves the app, starts the simulator with
// the demo scenario, prints a URL pointed at it, and that page loads without console errors and
// sets up keys for the demo user. Checks the command a newcomer types, not just the built files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, openPage, ROOT, waitDone } from './harness.mjs';

/** A port that was free a moment ago on loopback. */
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Resolves with `match` once `pattern` appears in the process's output. */
function waitFor(proc, pattern, timeoutMs, output) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs} ms:\n${output.text}`)), timeoutMs);
    const check = () => {
      const m = pattern.exec(output.text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`./run exited with ${code}:\n${output.text}`));
    });
  });
}

describe('./run --demo', () => {
  let proc, browser;
  const output = { text: '' };
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    // ./run leaves trunk and the simulator as its children: end the whole process group.
    if (proc && proc.exitCode === null) process.kill(-proc.pid, 'SIGTERM');
  });

  test('serves the app pointed at the simulator; the demo user gets keys', { timeout: 600_000 }, async () => {
    const [port, simPort] = [await freePort(), await freePort()];
    proc = spawn('./run', ['--demo', '--port', String(port), '--sim-port', String(simPort)], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [proc.stdout, proc.stderr]) stream.on('data', (d) => (output.text += d));
    const [, url] = await waitFor(proc, /^App: (http:\/\/127\.0\.0\.1:\d+\/\S*)$/m, 60_000, output);
    assert.equal(url, `http://127.0.0.1:${port}/?tenant=http://127.0.0.1:${simPort}`);
    await waitFor(proc, /server listening at/, 540_000, output); // the first build can take minutes

    const p = await openPage(browser, { allowNetworkErrorsFrom: [`http://127.0.0.1:${simPort}`] });
    try {
      await p.page.goto(url);
      await p.page.waitForSelector('#tms-credentials h1', { timeout: 30_000 });
      await p.page.fill('#login-username', 'demo');
      await p.page.fill('#login-password', 'demo');
      await p.page.click('#login');
      await p.page.waitForSelector('#token-status[data-state="valid"]');
      await p.page.click('#establish');
      await waitDone(p.page, 60_000);
      const states = await p.page.$$eval('[data-system]', (els) => els.map((e) => e.getAttribute('data-state')));
      assert.deepEqual(states, ['created', 'created', 'created']);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  });
});
