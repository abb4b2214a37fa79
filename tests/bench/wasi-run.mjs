// Runs a wasm32-wasip1 build of the headless runner in Node's WASI (V8, the engine of Chrome), so the
// wasm benchmark executes exactly the native benchmark's workload:
//   node tests/bench/wasi-run.mjs target/wasm32-wasip1/release/clusterscope-sim.wasm --bench
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasi-run.mjs RUNNER.wasm [FLAGS]');
  process.exit(2);
}
const wasi = new WASI({ version: 'preview1', args: ['clusterscope-sim', ...args], env: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
