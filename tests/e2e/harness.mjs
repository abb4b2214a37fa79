// Shared by the end-to-end tests and the screenshot script: serve dist/ under a sub-path on
// 127.0.0.1 and launch Debian's Chromium through playwright-core.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(ROOT, '.tools', 'package.json'));
const { chromium } = require('playwright-core');

const DIST = join(ROOT, 'dist');
export const BASE = '/clusterscope/';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

/** Serves `dir` (dist/) only under BASE, as a sub-path host would. Resolves to { server, url }. */
export function serveDist(dir = DIST) {
  return new Promise((resolve) => {
    const server = createServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (!path.startsWith(BASE)) { res.writeHead(404).end('not under ' + BASE); return; }
      const file = normalize(join(dir, path.slice(BASE.length) || 'index.html'));
      if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch { res.writeHead(404).end('missing'); }
    });
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}${BASE}` }));
  });
}

/** Headless Chromium with the flags that work on a closed network. */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
}

/**
 * Reads with `read` until `check` (an assertion) passes, for up to `ms`, and returns the value;
 * past that, throws the assertion's own error. Yew's scheduler may yield to the browser between
 * an event and the render it causes (on a slow machine, for a whole task), so what a click
 * changes is read this way rather than once.
 */
export async function eventually(read, check, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    try {
      check(value);
      return value;
    } catch (e) {
      if (Date.now() > end) throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
