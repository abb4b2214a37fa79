// Browser figures of the built page (run by `./setup.sh bench` after `trunk build --release`):
//  - the frame benchmark: dist/ opened with ?bench in headless Chromium; per-frame work (simulation
//    step + render) over 600 frames of 32 servers, 3 replicas, 5,000 requests/s, and long tasks;
//  - time to first diagram: the `first-diagram` performance mark of fresh page loads.
// Timings are reported here, never asserted (machines are shared and noisy).
import { serveDist, launch } from '../e2e/harness.mjs';

const { server, url } = await serveDist();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${url}?bench`);
  const result = page.locator('#bench-result');
  await result.waitFor({ state: 'attached', timeout: 180000 });
  const r = JSON.parse(await result.textContent());
  const longTasks = await page.evaluate(() => window.__longTasks);
  console.log(`Frame benchmark: ${r.frames} frames, 32 servers, 3 replicas, 5,000 req/s simulated`);
  console.log(`  packets drawn per frame: min ${r.packets_min}, median ${r.packets_median}`);
  console.log(`  work per frame (step + render): median ${r.median_ms.toFixed(2)} ms, p95 ${r.p95_ms.toFixed(2)} ms, max ${r.max_ms.toFixed(2)} ms`);
  console.log(`  long tasks (> 50 ms) during the run: ${longTasks.length}${longTasks.length ? ` (longest ${Math.max(...longTasks).toFixed(0)} ms)` : ''}`);
  console.log(`  goals: median ≤ 2 ms, p95 ≤ 6 ms, no long task`);

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
