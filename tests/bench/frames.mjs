// Browser figures of the built page (run by `./setup.sh bench` after `trunk build --release`):
//  - the frame benchmark: dist/ opened with ?bench in headless Chromium; per-frame work (simulation
//    step + render) over 600 frames of 32 servers, 3 replicas, 5,000 requests/s, and long tasks;
//    beside it, alternately, its floor (floor.html: plain JS moving as many SVG circles);
//  - time to first diagram: the `first-diagram` performance mark of fresh page loads.
// Timings are reported here, never asserted (machines are shared and noisy).
import { pathToFileURL } from 'node:url';
import { serveDist, launch } from '../e2e/harness.mjs';

const ROUNDS = Number(process.env.ROUNDS || 2);

const { server, url } = await serveDist();
const browser = await launch();
try {
  // One run of a frame benchmark page: its report, and the long tasks seen meanwhile.
  const measure = async (target) => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(target);
    const result = page.locator('#bench-result');
    await result.waitFor({ state: 'attached', timeout: 180000 });
    const r = JSON.parse(await result.textContent());
    r.longTasks = await page.evaluate(() => window.__longTasks);
    await context.close();
    return r;
  };
  // The page and its floor (plain JS moving as many SVG circles), alternately, A B A B: the
  // ratio of their medians is the figure; each alone depends on the machine.
  const floor = pathToFileURL(new URL('floor.html', import.meta.url).pathname).href;
  const runs = { page: [], floor: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.page.push(await measure(`${url}?bench`));
    runs.floor.push(await measure(`${floor}?n=${runs.page[0].packets_median}`));
  }
  const mid = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const r = runs.page[runs.page.length - 1];
  const longTasks = runs.page.flatMap((x) => x.longTasks);
  console.log(`Frame benchmark: ${r.frames} frames, 32 servers, 3 replicas, 5,000 req/s simulated; ${ROUNDS} rounds beside the floor`);
  console.log(`  packets drawn per frame: min ${r.packets_min}, median ${r.packets_median}`);
  for (const [name, xs] of Object.entries(runs)) {
    console.log(`  ${name.padEnd(5)} work per frame: median ${mid(xs.map((x) => x.median_ms)).toFixed(2)} ms, `
      + `p95 ${mid(xs.map((x) => x.p95_ms)).toFixed(2)} ms, max ${Math.max(...xs.map((x) => x.max_ms)).toFixed(2)} ms`);
  }
  const ratio = (k) => mid(runs.page.map((x) => x[k])) / mid(runs.floor.map((x) => x[k]));
  console.log(`  page / floor: median ${ratio('median_ms').toFixed(1)}x (goal <= 2x), p95 ${ratio('p95_ms').toFixed(1)}x (goal <= 3x)`);
  console.log(`  long tasks (> 50 ms) during the page's runs: ${longTasks.length}${longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''}`);

  const loads = [];
  for (let i = 0; i < 5; i++) {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    await p.goto(url);
    await p.locator('[data-node="server-1"]').waitFor();
    loads.push(await p.evaluate(() => performance.getEntriesByName('first-diagram')[0].startTime));
    await fresh.close();
  }
  loads.sort((a, b) => a - b);
  console.log(`Time to first diagram (localhost, 5 fresh loads): median ${loads[2].toFixed(0)} ms, `
    + `range ${loads[0].toFixed(0)}–${loads[4].toFixed(0)} ms (goal ≤ 300 ms)`);
} finally {
  await browser.close();
  server.close();
}
