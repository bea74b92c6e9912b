#!/usr/bin/env node
// How long a page's main thread is blocked while a model runs, in headless Chromium: the longest
// gap between turns of a message-channel loop during 20 forwards (after 3 warm-up), for wasm-torch in
// its default mode (a Worker) and with worker: false, and onnxruntime-web on the main thread and
// with its proxy worker (env.wasm.proxy). Usage: node main_thread.mjs --name resnet18 --threads 2
// (files from bench.py's export: build/bench/NAME.wtm, .onnx, .inputs.json) -> {runner: {longestGapMs, forwardMs}}.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { inFreshPages } from "./fresh_pages.mjs";

const { values: a } = parseArgs({ options: { name: { type: "string" }, threads: { type: "string", default: "2" } } });
const inputs = JSON.parse(readFileSync(new URL(`../build/bench/${a.name}.inputs.json`, import.meta.url), "utf8"));

// Runs `forward` 23 times while a message-channel loop measures the main thread's longest gap.
async function measure({ runner, name, threads, inputs }) {
  let forward;
  if (runner.startsWith("wasm-torch")) {
    const { WASMTorch } = await import("/js/src/index.js");
    const runtime = await WASMTorch.init({ threads, worker: runner === "wasm-torch (default: Worker)" });
    const model = await runtime.loadModel(`/build/bench/${name}.wtm`);
    const tensors = inputs.map((t) => runtime.createTensor(t.data, t.shape, t.dtype));
    forward = async () => [].concat(await model.forward(tensors.length === 1 ? tensors[0] : tensors)).forEach((t) => t.dispose());
  } else {
    const ort = await import("/benchmarks/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs");
    ort.env.wasm.wasmPaths = "/benchmarks/node_modules/onnxruntime-web/dist/";
    ort.env.wasm.numThreads = threads;
    ort.env.wasm.proxy = runner.includes("proxy");
    const session = await ort.InferenceSession.create(`/build/bench/${name}.onnx`, { executionProviders: ["wasm"] });
    // New tensors for every run: the proxy worker takes (detaches) the input buffers it is sent.
    const feeds = () => Object.fromEntries(inputs.map((t) => [t.name, new ort.Tensor(t.dtype,
      t.dtype === "int64" ? BigInt64Array.from(t.data.map(BigInt)) : Float32Array.from(t.data), t.shape)]));
    forward = () => session.run(feeds());
  }
  for (let i = 0; i < 3; i++) await forward();
  const { watchMainThread } = await import("/js/tools/main_thread_watch.js");
  return watchMainThread(forward, 20);
}

const runners = ["wasm-torch (default: Worker)", "wasm-torch (worker: false)", "onnxruntime-web (main thread)",
  "onnxruntime-web (proxy worker)"];
const job = { name: a.name, threads: Number(a.threads), inputs };
const results = await inFreshPages(runners.map((runner) => [runner, measure, { runner, ...job }]));
process.stdout.write(JSON.stringify(Object.fromEntries(results)) + "\n");
process.exit(0);
