#!/usr/bin/env node
// Cold start in headless Chromium: from a fresh page with nothing loaded to the first forward's
// result, for wasm-torch (WASMTorch.init with its defaults for `threads`: the runtime in a Worker)
// and onnxruntime-web (numThreads) on the same model, alternated, a new page per sample. The server
// sends no-store, so every sample fetches and compiles the wasm and fetches the model again.
// Usage: node cold_start.mjs --name resnet18 --threads 2 --samples 5 (files from bench.py's export:
// build/bench/NAME.wtm, NAME.onnx, NAME.inputs.json) -> {"wasm-torch": {phase: [ms]}, "ort-web": {...}}
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { inFreshPages } from "./fresh_pages.mjs";

const { values: a } = parseArgs({
  options: { name: { type: "string" }, threads: { type: "string", default: "2" }, samples: { type: "string", default: "5" } },
});
const inputs = JSON.parse(readFileSync(new URL(`../build/bench/${a.name}.inputs.json`, import.meta.url), "utf8"));
const job = { name: a.name, threads: Number(a.threads), inputs };

// Each runs in a fresh page and returns the milliseconds of its phases, from the page's first
// line of script: import (the library's JavaScript), init (wasm fetched and compiled, threads
// started), load (the model fetched and prepared), first (the first forward).
async function wasmTorchColdStart({ name, threads, inputs }) {
  const t0 = performance.now();
  const { WASMTorch } = await import("/js/src/index.js");
  const t1 = performance.now();
  const runtime = await WASMTorch.init({ threads });
  const t2 = performance.now();
  const model = await runtime.loadModel(`/build/bench/${name}.wtm`);
  const t3 = performance.now();
  const tensors = inputs.map((t) => runtime.createTensor(t.data, t.shape, t.dtype));
  const out = await model.forward(tensors.length === 1 ? tensors[0] : tensors);
  const t4 = performance.now();
  if (![].concat(out).every((t) => t.data.length > 0)) throw new Error("no output");
  runtime.dispose();
  return { import: t1 - t0, init: t2 - t1, load: t3 - t2, first: t4 - t3, total: t4 - t0 };
}

async function ortWebColdStart({ name, threads, inputs }) {
  const t0 = performance.now();
  const ort = await import("/benchmarks/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs");
  ort.env.wasm.wasmPaths = "/benchmarks/node_modules/onnxruntime-web/dist/";
  ort.env.wasm.numThreads = threads;
  const t1 = performance.now();
  // onnxruntime-web compiles its wasm at the first session: init and load are one step there.
  const session = await ort.InferenceSession.create(`/build/bench/${name}.onnx`, { executionProviders: ["wasm"] });
  const t3 = performance.now();
  const feeds = {};
  for (const t of inputs) {
    const data = t.dtype === "int64" ? BigInt64Array.from(t.data.map(BigInt)) : Float32Array.from(t.data);
    feeds[t.name] = new ort.Tensor(t.dtype, data, t.shape);
  }
  const out = await session.run(feeds);
  const t4 = performance.now();
  if (!Object.keys(out).length) throw new Error("no output");
  await session.release();
  return { import: t1 - t0, init: null, load: t3 - t1, first: t4 - t3, total: t4 - t0 };
}

const calls = [];
for (let s = 0; s < Number(a.samples); s++) {
  calls.push(["wasm-torch", wasmTorchColdStart, job], ["ort-web", ortWebColdStart, job]);
}
const results = { "wasm-torch": [], "ort-web": [] };
for (const [runner, phases] of await inFreshPages(calls)) results[runner].push(phases);
process.stdout.write(JSON.stringify(results) + "\n");
process.exit(0);
