// Trunk post-build hook (see Trunk.toml): minifies the JS glue of a release build (Trunk's own
// minifier gives up on it; transfer size is budgeted), shortens the names it shares with the wasm
// (shorten.mjs), and fills in the Content-Security-Policy.
// Trunk loads the wasm with one inline module script; the policy allows exactly that script (by its
// SHA-256), scripts and styles from the page's own origin, and wasm compilation — no eval, no
// inline styles. `trunk serve` (a debug build) injects a live-reload script, so debug builds carry
// no policy at all.
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { shorten } from './shorten.mjs';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) { console.error('csp.mjs: run me as a Trunk hook (TRUNK_STAGING_DIR is not set)'); process.exit(2); }
const file = join(dir, 'index.html');
let html = await readFile(file, 'utf8');
const meta = /<meta[^>]*http-equiv="?Content-Security-Policy"?[^>]*>/i;
if (!meta.test(html)) { console.error('csp.mjs: index.html has no CSP meta tag to fill in'); process.exit(2); }
if (process.env.TRUNK_PROFILE !== 'release') {
  await writeFile(file, html.replace(meta, ''));
  process.exit(0);
}
// The glue, minified; its Subresource Integrity hash in index.html follows.
const tools = createRequire(join(process.cwd(), '.tools', 'package.json'));
let minify;
try {
  ({ minify } = tools('terser'));
} catch {
  console.error('csp.mjs: terser is not in .tools/ (./setup.sh install puts it there)');
  process.exit(2);
}
const link = (ext) => {
  const m = [...html.matchAll(new RegExp(`<link\\b[^>]*href="?\\./([\\w.-]+\\.${ext})"?[^>]*>`, 'gi'))];
  if (m.length !== 1) { console.error(`csp.mjs: index.html links ${m.length} .${ext} files, not one`); process.exit(2); }
  return m[0];
};
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const [jsLink, jsName] = link('js');
const [wasmLink, wasmName] = link('wasm');
const before = await readFile(join(dir, jsName), 'utf8');
const out = await minify(before, { module: true, ecma: 2020, compress: { passes: 2 }, mangle: true });
if (!out.code) { console.error(`csp.mjs: terser gave nothing for ${jsName}`); process.exit(2); }
// Then the names the glue and the wasm share, shortened in both.
let short;
try {
  short = shorten(await readFile(join(dir, wasmName)), out.code);
} catch (e) {
  console.error(`csp.mjs: ${e.message}`);
  process.exit(2);
}
await writeFile(join(dir, jsName), short.js);
await writeFile(join(dir, wasmName), short.wasm);
for (const [tag, bytes] of [[jsLink, short.js], [wasmLink, short.wasm]]) {
  html = html.replace(tag, tag.replace(/integrity="?sha384-[^"\s>]+"?/, `integrity=${sri(bytes)}`));
}
console.log(`csp.mjs: ${jsName} minified, ${before.length} -> ${out.code.length} bytes; ${short.renamed} shared names shortened (glue ${short.js.length} bytes)`);
const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)].map((m) => m[1]).filter((s) => s.trim());
const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`);
const policy = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
html = html.replace(meta, `<meta http-equiv="Content-Security-Policy" content="${policy}">`);
await writeFile(file, html);
console.log(`csp.mjs: policy set, ${hashes.length} inline script(s) allowed by hash`);
