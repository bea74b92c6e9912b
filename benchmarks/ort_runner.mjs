#!/usr/bin/env node
// Times an ONNX model with onnxruntime: native (onnxruntime-node) or its wasm backend in headless
// Chromium (onnxruntime-web, crossOriginIsolated, same server as wasm-torch's pages).
// Usage: node ort_runner.mjs --engine node|web --threads N --model file.onnx --input file.json
//        --iterations N --warmup N [--repeat R] -> prints {"times_ms": [...]} on stdout, each sample
//        the mean of R back-to-back runs (fast models: browser timers tick in 5 us steps).
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const { values: a } = parseArgs({
  options: {
    engine: { type: "string" }, threads: { type: "string", default: "1" }, model: { type: "string" },
    input: { type: "string" }, iterations: { type: "string", default: "20" }, warmup: { type: "string", default: "5" },
    repeat: { type: "string", default: "1" },
  },
});
const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
// inputs: [{name, dtype, shape, data(list)}]
const inputs = JSON.parse(readFileSync(a.input, "utf8"));
const job = { threads: Number(a.threads), iterations: Number(a.iterations), warmup: Number(a.warmup),
  repeat: Number(a.repeat), inputs };

async function timeSession(ort, session, job) {
  const feeds = {};
  for (const t of job.inputs) {
    const data = t.dtype === "int64" ? BigInt64Array.from(t.data.map(BigInt)) : Float32Array.from(t.data);
    feeds[t.name] = new ort.Tensor(t.dtype, data, t.shape);
  }
  const times = [];
  for (let i = 0; i < job.warmup + job.iterations; i++) {
    const start = performance.now();
    for (let r = 0; r < job.repeat; r++) await session.run(feeds);
    if (i >= job.warmup) times.push((performance.now() - start) / job.repeat);
  }
  return times;
}

let times;
if (a.engine === "node") {
  const ort = await import("onnxruntime-node");
  const session = await ort.InferenceSession.create(a.model, {
    intraOpNumThreads: job.threads, interOpNumThreads: 1, executionProviders: ["cpu"],
  });
  times = await timeSession(ort, session, job);
} else {
  const { startServer } = await import("../js/tools/server.mjs");
  const { launchBrowser } = await import("../js/tools/browser.mjs");
  const server = await startServer();
  const browser = await launchBrowser();
  const page = await browser.newPage(`${server.url}/benchmarks/ort_page.html`);
  await page.waitForFunction(() => window.ortReady === true);
  const modelUrl = "/" + relative(ROOT, resolve(a.model));
  times = await page.evaluate(async ({ job, modelUrl, timeSessionSource }) => {
    if (!crossOriginIsolated) throw new Error("page is not crossOriginIsolated");
    const ort = window.ort;
    ort.env.wasm.numThreads = job.threads;
    ort.env.wasm.simd = true;
    const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
    const timeSession = eval(`(${timeSessionSource})`);
    return timeSession(ort, session, job);
  }, { job, modelUrl, timeSessionSource: timeSession.toString() });
  await browser.close();
  await server.close();
}
process.stdout.write(JSON.stringify({ times_ms: times }) + "\n");
process.exit(0);
