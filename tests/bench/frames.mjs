// Browser figures of the built page (run by `./setup.sh bench` after `trunk build --release`):
//  - the frame benchmark: dist/ opened with ?bench in headless Chromium; per-frame work (simulation
//    step + render) over 600 frames of 32 servers, 3 replicas, 5,000 requests/s, and long tasks;
//    beside it, alternately, its floor (floor.html: plain JS moving as many SVG circles);
//  - time to first diagram: the `first-diagram` performance mark of fresh page loads, beside the
//    same mark of a minimal Yew page (yew-floor/, built into target/bench/yew-floor by setup.sh).
// Timings are reported here, never asserted (machines are shared and noisy).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveDist, launch, ROOT } from '../e2e/harness.mjs';

const ROUNDS = Number(process.env.ROUNDS || 2);

const { server, url } = await serveDist();
const yewFloor = await serveDist(join(ROOT, 'target', 'bench', 'yew-floor'));
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

  // Fresh loads of the page and of the minimal Yew page, alternately: the ratio of their medians.
  const firstDiagram = async (target) => {
    const fresh = await browser.newContext();
    const p = await fresh.newPage();
    await p.goto(target);
    await p.locator('[data-node="server-1"]').waitFor();
    const t = await p.evaluate(() => performance.getEntriesByName('first-diagram')[0].startTime);
    await fresh.close();
    return t;
  };
  const loads = { page: [], floor: [] };
  for (let i = 0; i < 7; i++) {
    loads.page.push(await firstDiagram(url));
    loads.floor.push(await firstDiagram(yewFloor.url));
  }
  console.log('Time to first diagram (localhost, 7 fresh loads each, alternately):');
  for (const [name, xs] of Object.entries(loads)) {
    const s = [...xs].sort((a, b) => a - b);
    console.log(`  ${name === 'page' ? 'page          ' : 'minimal Yew   '} median ${mid(s).toFixed(0)} ms, range ${s[0].toFixed(0)}–${s[s.length - 1].toFixed(0)} ms`);
  }
  console.log(`  page / minimal Yew page: ${(mid(loads.page) / mid(loads.floor)).toFixed(2)}x (goal <= 1.5x)`);
} finally {
  await browser.close();
  server.close();
  yewFloor.server.close();
}
