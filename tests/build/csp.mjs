// Trunk post-build hook (see Trunk.toml): minifies the JS glue of a release build (Trunk's own
// minifier gives up on it; transfer size is budgeted) and fills in the Content-Security-Policy.
// Trunk loads the wasm with one inline module script; the policy allows exactly that script (by its
// SHA-256), scripts and styles from the page's own origin, and wasm compilation — no eval, no
// inline styles. `trunk serve` (a debug build) injects a live-reload script, so debug builds carry
// no policy at all.
import { readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createRequire } from 'node:module';

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
for (const m of html.matchAll(/<link\b[^>]*href="?\.\/([\w.-]+\.js)"?[^>]*>/gi)) {
  const glue = join(dir, m[1]);
  const before = await readFile(glue, 'utf8');
  const out = await minify(before, { module: true, ecma: 2020, compress: { passes: 2 }, mangle: true });
  if (!out.code) { console.error(`csp.mjs: terser gave nothing for ${m[1]}`); process.exit(2); }
  await writeFile(glue, out.code);
  const sri = `sha384-${createHash('sha384').update(out.code, 'utf8').digest('base64')}`;
  html = html.replace(m[0], m[0].replace(/integrity="?sha384-[^"\s>]+"?/, `integrity=${sri}`));
  console.log(`csp.mjs: ${m[1]} minified, ${before.length} -> ${out.code.length} bytes`);
}
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
