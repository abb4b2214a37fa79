// Transfer-size budget of the built page: prints the gzip size (level 9) of every file in dist/
// and fails when the total passes the budget. Run by tests/run-all.sh after the release build.
//
// The budget was 200 KB (200,000 bytes) for the playground. Lessons, the knowledge check, links,
// side by side and files added 34 KB (measured feature by feature, see README "Transfer size");
// cuts since won back 12 KB, not all of it. The strong-reads work (committed reads, request-id
// deduplication, the dirty/back-in-time/duplicate counters) added 5.8 KB: the gate rose to 240 KB,
// as the brief allows while the truth, lesson and page issues land; the performance issue brings it
// back to 200 KB. Since then the headline window, chart marks, side by side's replay, lessons in
// parts, the client pool and data-value on tiles brought the page to 237.8 KB. Shortened shared
// names, one sorted-deque map and integer number formatting then won back 18.4 KB, which paid for
// the live linearizability check (19.7 KB with its verdict line and the lesson texts that read
// it): 239.0 KB. The performance issue then rebuilt the standard library for the release page
// without panic messages (tests/build/release.sh), −20.5 KB: 223.5 KB, and the gate came down to
// 225 KB on the way back to 200. Issue 17's overload controls, traffic shapes, autoscaler and
// their two lessons then took it to 236.9 KB (a float's Display, pulled in by one `{needed}` of an
// f64 in a lesson text, had cost 4 KB of it before it was caught): the gate is at the 240 KB the
// brief allows while lessons land.
import { readdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET = 240_000;
const FORMER = 200_000;
const GOAL = 150_000;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

async function files(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await files(p));
    else out.push(p);
  }
  return out;
}

let total = 0;
for (const f of (await files(dist)).sort()) {
  const raw = await readFile(f);
  const gz = gzipSync(raw, { level: 9 }).length;
  total += gz;
  console.log(`${relative(dist, f).padEnd(44)} ${String(raw.length).padStart(9)} B  gzip ${String(gz).padStart(8)} B`);
}
console.log(`${'total'.padEnd(44)} ${''.padStart(9)}    gzip ${String(total).padStart(8)} B  (budget ${BUDGET}, was ${FORMER}, goal ${GOAL})`);
if (total > BUDGET) {
  console.error(`Transfer size ${total} B is over the ${BUDGET} B budget`);
  process.exit(1);
}
