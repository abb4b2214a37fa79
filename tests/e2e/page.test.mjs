// End-to-end tests of the built page: dist/ is served under a sub-path on 127.0.0.1 and driven in
// Debian's headless Chromium through playwright-core. Run by tests/run-all.sh after `trunk build`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(root, '.tools', 'package.json'));
const { chromium } = require('playwright-core');

const DIST = join(root, 'dist');
const BASE = '/clusterscope/';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

let server, browser, url;

// A static server that serves dist/ only under BASE, as a sub-path host would.
function serveDist() {
  return new Promise((resolve) => {
    const s = createServer(async (req, res) => {
      const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      if (!path.startsWith(BASE)) { res.writeHead(404).end('not under ' + BASE); return; }
      let file = normalize(join(DIST, path.slice(BASE.length) || 'index.html'));
      if (!file.startsWith(DIST)) { res.writeHead(403).end(); return; }
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
      } catch { res.writeHead(404).end('missing'); }
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  server = await serveDist();
  url = `http://127.0.0.1:${server.address().port}${BASE}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(url);
  await page.locator('[data-node="server-2"]').waitFor({ timeout: 15000 });
  return { page, problems };
}

const served = (page, i) =>
  page.locator(`[data-node="server-${i}"]`).getAttribute('data-served').then(Number);

test('the page loads under a sub-path with every node and no error', async () => {
  const { page, problems } = await open();
  for (const node of ['client', 'lb', 'server-1', 'server-2', 'server-3', 'db-1', 'db-2', 'db-3']) {
    assert.equal(await page.locator(`[data-node="${node}"]`).getAttribute('data-status'), 'up', node);
  }
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert shown');
  assert.deepEqual(problems, []);
});

test('round robin: a failed Server 2 stops serving while the others keep going', async () => {
  const { page, problems } = await open();
  await page.getByLabel('Balancing strategy').selectOption('round-robin');
  await page.waitForFunction(() =>
    Number(document.querySelector('[data-node="server-2"]').dataset.served) > 0, null, { timeout: 20000 });
  await page.getByRole('button', { name: 'Fail Server 2' }).click();
  await page.getByRole('button', { name: 'Recover Server 2' }).waitFor();
  assert.equal(await page.locator('[data-node="server-2"]').getAttribute('data-status'), 'down');

  const before = [await served(page, 1), await served(page, 2), await served(page, 3)];
  await page.waitForTimeout(5000);
  const later = [await served(page, 1), await served(page, 2), await served(page, 3)];
  assert.equal(later[1], before[1], `Server 2 served more while down: ${before} -> ${later}`);
  assert.ok(later[0] > before[0], `Server 1 stopped: ${before} -> ${later}`);
  assert.ok(later[2] > before[2], `Server 3 stopped: ${before} -> ${later}`);
  assert.deepEqual(problems, []);
});

test('switching to random takes effect live', async () => {
  const { page } = await open();
  await page.getByLabel('Balancing strategy').selectOption('random');
  await page.locator('[data-node="lb"]', { hasText: 'Random' }).waitFor({ timeout: 5000 });
  assert.equal(await page.getByLabel('Balancing strategy').inputValue(), 'random');
});
