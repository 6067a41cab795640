// The e2e tests' and ./bench's stand-in for Tapis's front door. Every Tapis tenant is reached
// through nginx speaking TLS and HTTP/2 (tapis-deployer
// playbooks/roles/proxy/templates/docker/nginx.conf: `listen 443 ssl http2`), so a browser
// multiplexes its requests over one connection instead of queueing them on six HTTP/1.1 sockets. The simulator speaks HTTP/1.1 only; this proxy puts TLS + HTTP/2 in front
// of it (HTTP/1.1 too, for tapipy), with a throwaway self-signed certificate.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import path from 'node:path';
import { pipeline } from 'node:stream';

// Connection-level headers: meaningless (and, over HTTP/2, forbidden) on the other side.
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings', 'host']);

const pass = (headers) => Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith(':') && !HOP.has(k)));

/**
 * A self-signed certificate for 127.0.0.1, made once with openssl and kept in `dir/cert/`. Two
 * processes may make it at once (a bare `node --test` runs files in parallel; `./bench` beside
 * `./test`): each makes its pair in a directory of its own and renames it into place, so a
 * reader never sees half a pair.
 */
function certificate(dir) {
  const final = path.join(dir, 'cert');
  if (!existsSync(final)) {
    mkdirSync(dir, { recursive: true });
    const tmp = mkdtempSync(path.join(dir, 'new-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', path.join(tmp, 'key.pem'), '-out', path.join(tmp, 'cert.pem'), '-days', '3650',
        '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(`h2-proxy: openssl could not make a test certificate (is openssl installed?): ${e.stderr ?? e.message}`);
    }
    try {
      renameSync(tmp, final);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST') throw e; // else another process was first
    }
  }
  const certFile = path.join(final, 'cert.pem');
  return { key: readFileSync(path.join(final, 'key.pem')), cert: readFileSync(certFile), certFile };
}

/**
 * Starts the proxy on a free loopback port. Its `url` is known before the upstream is: the
 * simulator is then started with `--public-url` set to it (its tokens must name the proxy), and
 * `forwardTo(listenUrl)`, where the simulator itself answers, completes the pair.
 * `takeProtocols()` counts the requests by HTTP version since the last call, so a run can show
 * which protocol it really used.
 */
export async function startH2Proxy(dir) {
  const { key, cert, certFile } = certificate(dir);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  let protocols = {};
  let upstream = null;
  const server = http2.createSecureServer({ key, cert, allowHTTP1: true }, (req, res) => {
    protocols[req.httpVersion] = (protocols[req.httpVersion] ?? 0) + 1;
    if (!upstream) {
      res.writeHead(502);
      return res.end();
    }
    const up = http.request(upstream + req.url, { method: req.method, headers: pass(req.headers), agent }, (ur) => {
      res.writeHead(ur.statusCode, pass(ur.headers));
      // A body cut short upstream is cut short here too (pipeline destroys `res` with the error),
      // never completed or left hanging.
      pipeline(ur, res, () => {});
    });
    // The simulator dropping a connection (a fault rule) reaches the client as a stream reset
    // with an error code: a reset without one could pass a cut body off as complete.
    up.on('error', (e) => res.destroy(e));
    // A client giving up (an aborted fetch) gives up upstream too.
    res.on('close', () => up.destroy());
    pipeline(req, up, () => {});
  });
  // Closing must not wait for clients to hang up: a browser keeps its HTTP/2 connection open.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    certFile,
    takeProtocols() {
      const seen = protocols;
      protocols = {};
      return seen;
    },
    forwardTo(url) {
      upstream = url;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      }),
  };
}
