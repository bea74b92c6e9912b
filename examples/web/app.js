// The demo page (make demo-page): draw a digit, semantic search with all-MiniLM-L6-v2, and a
// benchmark against onnxruntime-web. The runtime starts as WASMTorch.init's defaults have it: the
// best build the browser runs, in a Worker, threads where the page is cross-origin isolated.
import { WASMTorch } from "/js/src/index.js";

import { WordPieceTokenizer } from "./tokenizer.js";

const ASSETS = "/build/demo-web/";
const $ = (id) => document.getElementById(id);
const runtime = await WASMTorch.init();
$("runtime-info").textContent = `${runtime.variant} build, ${runtime.getThreadCount()} thread(s), ` +
  `${runtime.worker ? "in a Worker" : "on the main thread"}${runtime.notes.length ? ` (${runtime.notes.join("; ")})` : ""}`;
// What the end-to-end test reads besides the page itself.
window.demo = { runtime };

// --- tabs ---------------------------------------------------------------------------------------
for (const tab of document.querySelectorAll("nav button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav button")) {
      other.setAttribute("aria-selected", String(other === tab));
      $(other.dataset.tab).hidden = other !== tab;
    }
  });
}

// --- draw a digit -------------------------------------------------------------------------------
const pad = $("pad"), ink = pad.getContext("2d", { willReadFrequently: true });
const digits = await runtime.loadModel(`${ASSETS}digits.wtm`);
const latencies = [];

function clearPad() {
  ink.fillStyle = "#fff";
  ink.fillRect(0, 0, pad.width, pad.height);
  $("prediction").textContent = "–";
  $("probabilities").replaceChildren();
  $("thumb").getContext("2d").clearRect(0, 0, 64, 64);
}
clearPad();

// The drawing as the training data looks: the ink's bounding square, averaged into 8x8 cells of
// ink coverage in [0, 1] (scikit-learn's digits are 4x4-pixel counts of a centred 32x32 bitmap).
function digitInput() {
  const { data } = ink.getImageData(0, 0, pad.width, pad.height);
  const size = pad.width, coverage = new Float32Array(size * size);
  let x0 = size, y0 = size, x1 = -1, y1 = -1;
  for (let i = 0; i < coverage.length; i++) {
    coverage[i] = 1 - data[4 * i] / 255;
    if (coverage[i] > 0.1) {
      const x = i % size, y = Math.floor(i / size);
      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return null;
  const side = Math.max(x1 - x0, y1 - y0, 32) * 1.15, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const cells = new Float32Array(64), counts = new Float32Array(64);
  for (let y = 0; y < size; y++) {
    const row = Math.floor(((y - cy) / side + 0.5) * 8);
    if (row < 0 || row > 7) continue;
    for (let x = 0; x < size; x++) {
      const col = Math.floor(((x - cx) / side + 0.5) * 8);
      if (col < 0 || col > 7) continue;
      cells[row * 8 + col] += coverage[y * size + x];
      counts[row * 8 + col] += 1;
    }
  }
  let max = 0;
  for (let i = 0; i < 64; i++) max = Math.max(max, (cells[i] /= Math.max(counts[i], 1)));
  return cells.map((v) => v / max);
}

let predicting = false, pending = false;
async function predict() {
  if (predicting) {
    pending = true;
    return;
  }
  const cells = digitInput();
  if (!cells) return;
  predicting = true;
  const thumb = $("thumb").getContext("2d");
  cells.forEach((v, i) => {
    thumb.fillStyle = `rgb(${255 - 255 * v}, ${255 - 255 * v}, ${255 - 255 * v})`;
    thumb.fillRect((i % 8) * 8, Math.floor(i / 8) * 8, 8, 8);
  });
  const x = runtime.createTensor(cells, [1, 1, 8, 8]);
  const start = performance.now();
  const logProbabilities = await digits.forward(x);
  latencies.push(performance.now() - start);
  const probabilities = Array.from(logProbabilities.data, Math.exp);
  x.dispose();
  logProbabilities.dispose();
  const best = probabilities.indexOf(Math.max(...probabilities));
  $("prediction").textContent = String(best);
  $("probabilities").replaceChildren(...probabilities.map((p, k) => {
    const bar = document.createElement("div");
    bar.className = `bar${k === best ? " best" : ""}`;
    bar.innerHTML = `<span>${k}</span><div style="width: ${(100 * p).toFixed(1)}%"></div><span>${(100 * p).toFixed(1)}%</span>`;
    return bar;
  }));
  window.demo.prediction = { digit: best, probabilities };
  drawLatency();
  predicting = false;
  if (pending) {
    pending = false;
    predict();
  }
}

function drawLatency() {
  const chart = $("latency"), g = chart.getContext("2d"), recent = latencies.slice(-60);
  const top = Math.max(...recent) * 1.2;
  g.clearRect(0, 0, chart.width, chart.height);
  g.strokeStyle = "#2d6ce0";
  g.beginPath();
  recent.forEach((ms, i) => {
    const px = (i / 59) * chart.width, py = chart.height - (ms / top) * chart.height;
    i ? g.lineTo(px, py) : g.moveTo(px, py);
  });
  g.stroke();
  const sorted = [...recent].sort((a, b) => a - b);
  $("latency-text").textContent = `last ${recent.at(-1).toFixed(2)} ms, median ${sorted[sorted.length >> 1].toFixed(2)} ms ` +
    `over ${recent.length} (from the page, through the Worker)`;
}

let last = null;
pad.addEventListener("pointerdown", (e) => {
  pad.setPointerCapture(e.pointerId);
  last = [e.offsetX, e.offsetY];
});
pad.addEventListener("pointermove", (e) => {
  if (!last) return;
  ink.strokeStyle = "#000";
  ink.lineWidth = 20;
  ink.lineCap = ink.lineJoin = "round";
  ink.beginPath();
  ink.moveTo(...last);
  ink.lineTo(e.offsetX, e.offsetY);
  ink.stroke();
  last = [e.offsetX, e.offsetY];
  predict();
});
for (const end of ["pointerup", "pointercancel"]) pad.addEventListener(end, () => { last = null; predict(); });
$("clear").addEventListener("click", clearPad);

// --- semantic search ------------------------------------------------------------------------------
const corpus = await (await fetch(`${ASSETS}corpus.json`)).json();

async function startSearch() {
  const progress = $("search-progress"), status = $("search-status");
  const tokenizer = new WordPieceTokenizer(await (await fetch(`${ASSETS}vocab.txt`)).text());
  const encoder = await runtime.loadModel(`${ASSETS}minilm.wtm`, {
    onProgress: ({ loaded, total }) => {
      if (total) progress.value = 0.8 * (loaded / total);
      status.textContent = `downloading the model: ${(loaded / 2 ** 20).toFixed(1)}${total ? ` of ${(total / 2 ** 20).toFixed(1)}` : ""} MB`;
    },
  });
  const embed = async (text) => {
    const ids = tokenizer.encode(text);
    const inputIds = runtime.createTensor(ids, [1, ids.length], "int64");
    const mask = runtime.createTensor(ids.map(() => 1), [1, ids.length], "int64");
    const y = await encoder.forward({ input_ids: inputIds, attention_mask: mask });
    const embedding = Float32Array.from(y.data);
    for (const t of [inputIds, mask, y]) t.dispose();
    return embedding;
  };
  const embeddings = [];
  for (const sentence of corpus) {
    embeddings.push(await embed(sentence));
    progress.value = 0.8 + 0.2 * (embeddings.length / corpus.length);
    status.textContent = `embedding the sentences: ${embeddings.length} of ${corpus.length}`;
  }
  status.textContent = `ready: ${corpus.length} sentences`;
  const search = async (query) => {
    const start = performance.now();
    const q = await embed(query);
    const ranked = embeddings.map((e, i) => ({ sentence: corpus[i], score: e.reduce((s, v, k) => s + v * q[k], 0) }))
      .sort((a, b) => b.score - a.score);
    const ms = performance.now() - start;
    $("search-latency").textContent = `${ms.toFixed(1)} ms for the query (tokenize, embed, rank ${corpus.length})`;
    $("results").replaceChildren(...ranked.slice(0, 5).map(({ sentence, score }) => {
      const li = document.createElement("li");
      li.textContent = sentence;
      const s = document.createElement("span");
      s.className = "score";
      s.textContent = score.toFixed(3);
      li.append(s);
      return li;
    }));
    return { ranked, ms };
  };
  $("query").disabled = false;
  $("search-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    window.demo.lastSearch = await search($("query").value);
  });
  return search;
}
// Loads while the digits tab is in use; a failure is shown where the search would be.
window.demo.search = startSearch().catch((error) => {
  $("search-status").textContent = `the search could not start: ${error.message}`;
  throw error;
});

// --- benchmark --------------------------------------------------------------------------------------
const ORT = "/benchmarks/node_modules/onnxruntime-web/dist/";
const BENCH = { warmup: 5, iterations: 30 };

function benchInputs(name) {
  if (name === "digits") return { shape: [1, 1, 8, 8], floats: new Float32Array(64).map((_, i) => (i * 37 % 17) / 16) };
  const ids = [101, ...Array.from({ length: 14 }, (_, i) => 2000 + 97 * i), 102];
  return { ids };
}

async function benchWasmTorch(name, threads) {
  const rt = await WASMTorch.init({ threads });
  try {
    const model = await rt.loadModel(`${ASSETS}${name}.wtm`);
    const input = benchInputs(name);
    const inputs = input.ids
      ? { input_ids: rt.createTensor(input.ids, [1, input.ids.length], "int64"),
        attention_mask: rt.createTensor(input.ids.map(() => 1), [1, input.ids.length], "int64") }
      : rt.createTensor(input.floats, input.shape);
    const result = await model.benchmark(inputs, { ...BENCH, operations: false });
    return { label: `wasm-torch (${rt.variant})`, times: result.timesMs };
  } finally {
    rt.dispose();
  }
}

let ortThreads = null;
async function benchOrt(name, threads) {
  let ort;
  try {
    ort = await import(`${ORT}ort.wasm.min.mjs`);
  } catch {
    return { label: "onnxruntime-web", times: [], note: "onnxruntime-web is not installed (make demo-page installs it)" };
  }
  ort.env.wasm.wasmPaths = ORT;
  ortThreads ??= threads;  // it keeps the thread count of its first session for the page's life
  ort.env.wasm.numThreads = ortThreads;
  const response = await fetch(`${ASSETS}${name}.onnx`);
  if (!response.ok) return { label: "onnxruntime-web", times: [], note: `no ${name}.onnx (the ONNX exporter is missing)` };
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), { executionProviders: ["wasm"] });
  const input = benchInputs(name);
  const feeds = input.ids
    ? { input_ids: new ort.Tensor("int64", BigInt64Array.from(input.ids.map(BigInt)), [1, input.ids.length]),
      attention_mask: new ort.Tensor("int64", BigInt64Array.from(input.ids.map(() => 1n)), [1, input.ids.length]) }
    : { input: new ort.Tensor("float32", input.floats, input.shape) };
  const times = [];
  for (let i = 0; i < BENCH.warmup + BENCH.iterations; i++) {
    const start = performance.now();
    await session.run(feeds);
    if (i >= BENCH.warmup) times.push(performance.now() - start);
  }
  await session.release();
  return { label: `onnxruntime-web (${ortThreads} thread(s))`, times };
}

const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];
const p90 = (v) => [...v].sort((a, b) => a - b)[Math.floor(0.9 * (v.length - 1))];

function plotBench(runs) {
  const chart = $("bench-chart"), g = chart.getContext("2d"), colors = ["#2d6ce0", "#e0792d"];
  g.clearRect(0, 0, chart.width, chart.height);
  // Scaled to the slower runner's p90 (an outlier sample is drawn at the top edge).
  const measured = runs.filter((r) => r.times.length), left = 56, bottom = chart.height - 24;
  const top = Math.max(...measured.map((r) => p90(r.times)), 1e-3) * 1.6;
  const yOf = (ms) => bottom - (Math.min(ms, top) / top) * (bottom - 10);
  g.fillStyle = "#667";
  g.font = "12px system-ui";
  for (let k = 0; k <= 4; k++) {
    const ms = (top * k) / 4, y = yOf(ms);
    g.fillText(`${ms.toFixed(ms < 1 ? 3 : 1)} ms`, 0, y + 4);
    g.fillRect(left, y, chart.width - left, 0.5);
  }
  runs.forEach((run, r) => {
    g.strokeStyle = g.fillStyle = colors[r];
    run.times.forEach((ms, i) => {
      const x = left + 10 + (i / Math.max(run.times.length - 1, 1)) * (chart.width - left - 20);
      g.fillRect(x - 2, yOf(ms) - 2, 4, 4);
    });
    if (run.times.length) {
      g.fillRect(left, yOf(median(run.times)) - 1, chart.width - left, 2);
    }
    g.fillText(`■ ${run.label}${run.note ? `: ${run.note}` : ""}`, left + 10 + r * 300, chart.height - 4);
  });
  $("bench-table").innerHTML = `<table><tr><th></th><th>median ms</th><th>p90 ms</th></tr>${runs.filter((r) => r.times.length)
    .map((r) => `<tr><td>${r.label}</td><td>${median(r.times).toFixed(3)}</td><td>${p90(r.times).toFixed(3)}</td></tr>`).join("")}</table>`;
}

$("bench-run").addEventListener("click", async () => {
  const name = $("bench-model").value, threads = Number($("bench-threads").value);
  $("bench-run").disabled = true;
  $("bench-status").textContent = "running wasm-torch…";
  const runs = [await benchWasmTorch(name, threads)];
  $("bench-status").textContent = "running onnxruntime-web…";
  runs.push(await benchOrt(name, threads));
  plotBench(runs);
  $("bench-status").textContent = `done: ${BENCH.iterations} inferences each after ${BENCH.warmup} warm-up`;
  $("bench-run").disabled = false;
  window.demo.bench = runs;
});
window.demo.ready = true;
