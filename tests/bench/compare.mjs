// Core throughput, native and wasm side by side, on the same workload (see runner::bench_plan).
// Run through `./setup.sh bench`, which builds both first. Optional: --requests N.
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const extra = process.argv.slice(2);
const run = (cmd, args) => JSON.parse(execFileSync(cmd, [...args, '--bench', '--json', ...extra], { encoding: 'utf8' }));

const native = run(join(root, 'target/release/clusterscope-sim'), []);
const wasm = run(process.execPath, ['--no-warnings', join(root, 'tests/bench/wasi-run.mjs'),
  join(root, 'target/wasm32-wasip1/release/clusterscope-sim.wasm')]);

console.log(`${native.requests} requests per strategy, 10 servers, full path with database; one core`);
console.log('strategy                native M req/s   wasm M req/s   wasm/native');
for (const n of native.bench) {
  const w = wasm.bench.find((x) => x.strategy === n.strategy);
  const ratio = w.requests_per_s / n.requests_per_s;
  console.log(`${n.strategy.padEnd(22)} ${(n.requests_per_s / 1e6).toFixed(2).padStart(10)} ${(w.requests_per_s / 1e6).toFixed(2).padStart(14)} ${(ratio * 100).toFixed(0).padStart(12)} %`);
}
