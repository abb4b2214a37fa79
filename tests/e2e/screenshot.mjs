// Takes the README's screenshot from the built page: `node tests/e2e/screenshot.mjs [out] [w] [h]`.
// It opens the lesson "A server fails", lets traffic flow, traces a request, fails Server 2 and
// Replica 3, and shoots from the top of the page once the lesson's check has explained it.
import { serveDist, launch, ROOT } from './harness.mjs';
import { join } from 'node:path';

const [out = join(ROOT, 'static', 'screenshot.png'), width = '1400', height = '900'] = process.argv.slice(2);
const { server, url } = await serveDist();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
  await page.goto(url);
  await page.locator('[data-node="server-2"]').waitFor();
  await page.locator('li[data-lesson="failure"] button').click();
  await page.locator('section.lesson[data-lesson="failure"]').waitFor();
  await page.waitForTimeout(6000);
  await page.getByRole('button', { name: 'Trace the next request' }).click();
  await page.getByRole('button', { name: 'Fail Replica 3' }).click();
  await page.waitForTimeout(2500);
  await page.getByRole('button', { name: 'Fail Server 2' }).click();
  await page.locator('section.lesson[data-lesson-state="done"]').waitFor({ timeout: 20000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  server.close();
}
