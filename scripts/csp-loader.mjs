// Trunk post_build hook: makes the build run under a strict Content Security Policy.
// Trunk writes the wasm loader as an inline <script type="module">, which `script-src 'self'`
// blocks. This replaces it with external files:
//   loader-<hash>.js  the loader index.html uses (content-hashed, cache it forever);
//   embed.js          the same loader under a stable name, for host pages that include the app
//                     (serve it with a short cache lifetime);
//   embed.css         the stylesheet under a stable name, for the same host pages.
// Both loaders find the wasm next to themselves (import.meta.url), not next to the page, so a
// host page on another path or origin can load them. No global (window.wasmBindings) is set.
// In a release build it also minifies wasm-bindgen's JS glue, which Trunk's own minification
// leaves alone (terser, a dev tool from package.json: 8.6 -> 6.6 KB gzip), and updates the
// glue's integrity hash in index.html to match. The glue keeps the name Trunk hashed from the
// unminified file, so terser stays pinned: a new terser output under an old name would fail
// the integrity check in a browser that cached the old file.
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('csp-loader.mjs runs as a Trunk hook (TRUNK_STAGING_DIR is not set)');
const htmlPath = path.join(dir, 'index.html');
let html = readFileSync(htmlPath, 'utf8');

// Quotes optional: a minified build (`trunk build --minify`) writes `<script type=module>`.
const inline = /<script type=["']?module["']?>([\s\S]*?)<\/script>/.exec(html);
if (!inline) throw new Error(`csp-loader.mjs: no inline module script in index.html:\n${html}`);
const js = /from '([^']+\.js)'/.exec(inline[1])?.[1];
const wasm = /module_or_path: '([^']+\.wasm)'/.exec(inline[1])?.[1];
if (!js || !wasm) throw new Error(`csp-loader.mjs: unexpected loader:\n${inline[1]}`);
// Relative to the loader itself: both files sit next to it in dist/.
const base = (p) => './' + p.split('/').pop();

const loader = `// Starts the TMS credentials app (see README "Embed it").
import init from ${JSON.stringify(base(js))};
await init({ module_or_path: new URL(${JSON.stringify(base(wasm))}, import.meta.url) });
`;
const hash = createHash('sha256').update(loader).digest('hex').slice(0, 16);
const name = `loader-${hash}.js`;
writeFileSync(path.join(dir, name), loader);
writeFileSync(path.join(dir, 'embed.js'), loader);

if (process.env.TRUNK_PROFILE === 'release') {
  const gluePath = path.join(dir, js.split('/').pop());
  const glue = readFileSync(gluePath, 'utf8');
  let terser;
  try {
    terser = createRequire(import.meta.url)('terser');
  } catch {
    throw new Error('csp-loader.mjs: terser is missing for the release build: run scripts/setup.sh');
  }
  const { code } = await terser.minify(glue, { module: true, compress: true, mangle: true });
  const sri = (text) => 'sha384-' + createHash('sha384').update(text).digest('base64');
  if (!html.includes(sri(glue))) throw new Error('csp-loader.mjs: no integrity hash of the JS glue in index.html');
  writeFileSync(gluePath, code);
  html = html.replaceAll(sri(glue), sri(code));
}

const publicUrl = js.slice(0, js.length - js.split('/').pop().length);
html = html.replace(inline[0], `<script type="module" src="${publicUrl}${name}"></script>`);
writeFileSync(htmlPath, html);

const css = readdirSync(dir).find((f) => /^style-[0-9a-f]+\.css$/.test(f) || f === 'style.css');
if (!css) throw new Error('csp-loader.mjs: no stylesheet in the build');
copyFileSync(path.join(dir, css), path.join(dir, 'embed.css'));
console.log(`csp-loader.mjs: ${name}, embed.js, embed.css`);
