// Runtime init + model load from bytes (wall time, median over fresh runtimes), and the wasm heap
// after the first inference against the planned footprint (file + arena with op scratch). Node,
// the simd variant (its heap grows only on demand). Usage: node load_memory.mjs model input.json.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { WASMTorch } from "../js/src/index.js";

const [modelPath, inputPath, repeatsArg] = process.argv.slice(2);
const repeats = Number(repeatsArg || 7);
const bytes = new Uint8Array(readFileSync(modelPath));
const feeds = JSON.parse(readFileSync(inputPath, "utf8"));

const times = [];
let memory;
for (let r = 0; r < repeats; ++r) {
  const start = performance.now();
  const runtime = await WASMTorch.init({ simd: true, threads: 1 });
  const model = await runtime.loadModel(bytes);
  times.push(performance.now() - start);
  if (r === 0) {
    const inputs = feeds.map((f) => runtime.createTensor(
      f.dtype === "int64" ? BigInt64Array.from(f.data, BigInt) : Float32Array.from(f.data), f.shape, f.dtype));
    const outputs = [].concat(await model.forward(inputs));
    for (const t of [...inputs, ...outputs]) t.dispose();
    memory = runtime.getMemoryStats();
  }
  model.dispose();
  runtime.dispose();
}
times.sort((a, b) => a - b);
const mib = (b) => (b / 2 ** 20).toFixed(1);
console.log(JSON.stringify({
  init_and_load_ms: { median: times[Math.floor(times.length / 2)], min: times[0] },
  heap_mib: mib(memory.heapSize),
  planned_mib: mib(memory.plannedBytes),
  file_mib: mib(memory.fileBytes),
  arena_mib: mib(memory.arenaBytes),
  heap_over_plan_mib: mib(memory.heapSize - memory.plannedBytes),
}));
