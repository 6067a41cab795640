// Host side for the embedding tests: serves www/embed-*.html as a portal would, on its own
// loopback origin, with Bootstrap 4, the app's build under /tms/ (a same-origin sub-path) and a
// token endpoint that mints simulator tokens. Added next to harness.mjs, which it only imports.
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DIST, ROOT } from './harness.mjs';

const PLACEHOLDER = 'http://127.0.0.1:8080/';
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

/**
 * Starts a host server. `appUrl(hostOrigin)` says where its pages load the app from;
 * `lifetimes` are the token lifetimes handed out in turn (the last one repeats);
 * `csp` is a Content-Security-Policy header for the host pages, if any.
 */
export async function startHost({ sim, appUrl, lifetimes = [14400], csp, user = 'demo' }) {
  const issued = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = url.pathname;
    const send = (status, type, body, extra = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      res.end(body);
    };
    try {
      if (p === '/portal/tapis-token') {
        const lifetimeSecs = lifetimes[Math.min(issued.length, lifetimes.length - 1)];
        const token = await sim.token(user, lifetimeSecs);
        issued.push({ lifetimeSecs, token });
        return send(200, 'application/json', JSON.stringify({ token }));
      }
      if (p === '/favicon.ico') return send(204, 'image/x-icon', '');
      if (p === '/static/bootstrap.min.css') {
        return send(200, 'text/css', readFileSync(path.join(ROOT, 'node_modules/bootstrap/dist/css/bootstrap.min.css')));
      }
      if (/^\/embed-(div|iframe)\.html$/.test(p)) {
        let html = readFileSync(path.join(ROOT, 'www', p.slice(1)), 'utf8')
          .replaceAll(PLACEHOLDER, appUrl(origin))
          .replaceAll('https://designsafe.tapis.io', sim.url);
        // The same page without the app: what the host looks like on its own.
        if (url.searchParams.has('noapp')) html = html.replace(/<script type="module"[^>]*><\/script>/, '').replace(/<link[^>]*embed\.css">/, '');
        return send(200, TYPES['.html'], html, csp ? { 'content-security-policy': csp(origin, sim) } : {});
      }
      if (p.startsWith('/tms/')) {
        const root = path.resolve(DIST);
        const file = path.join(root, path.normalize(p.slice('/tms/'.length) || 'index.html'));
        if (file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile()) {
          return send(200, TYPES[path.extname(file)] ?? 'application/octet-stream', readFileSync(file));
        }
      }
      send(404, 'text/plain', 'not found');
    } catch (e) {
      send(500, 'text/plain', String(e));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, issued, close: () => new Promise((r) => server.close(r)) };
}

/** Every frame's Content Security Policy violations, collected from the first script on. */
export async function recordCspViolations(context) {
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
}

export async function cspViolations(page) {
  const all = [];
  for (const frame of page.frames()) all.push(...((await frame.evaluate(() => window.__cspViolations).catch(() => [])) ?? []));
  return all;
}

/** Computed styles of the elements `selectors` name, for before/after comparisons. */
export function styles(frame, selectors, props) {
  return frame.evaluate(
    ([selectors, props]) =>
      Object.fromEntries(
        selectors.map((s) => {
          const el = document.querySelector(s);
          if (!el) return [s, null];
          const cs = getComputedStyle(el);
          return [s, Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]))];
        }),
      ),
    [selectors, props],
  );
}
