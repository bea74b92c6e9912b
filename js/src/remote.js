// Worker mode: on a browser's main thread with threads, WASMTorch.init() runs the runtime in a
// dedicated Worker (worker.js) and returns these stand-ins. They mirror Runtime and Model; what
// needs the worker's answer returns a Promise (getMemoryStats, getProfilingData: await them in
// both modes). Tensors stay on this side as plain typed arrays and are copied at forward().
import { benchmarkOptions } from "./benchmark.js";
import { positionalInputs, structuredOutputs } from "./io.js";
import { checkLoadOptions } from "./model_source.js";
import { checkedTensorData, numel } from "./tensor.js";

// Inputs reach the worker through shared memory where the page has it (cross-origin isolated, as
// threads need): a structured clone of a 600 KB image cost 0.97 ms a round trip in Chromium, a copy
// into a SharedArrayBuffer and an empty message 0.07 ms. Each forward in flight holds a buffer of
// its own; finished ones are kept for the next.
const SHARED_INPUTS = typeof SharedArrayBuffer !== "undefined" && globalThis.crossOriginIsolated === true;

class InputBuffers {
  static kKept = 2;

  constructor() {
    this._free = [];
  }

  take(bytes) {
    const i = this._free.findIndex((b) => b.byteLength >= bytes);
    return i >= 0 ? this._free.splice(i, 1)[0] : new SharedArrayBuffer(Math.max(bytes, 8));
  }

  give(buffer) {
    if (this._free.length < InputBuffers.kKept) this._free.push(buffer);
  }
}

// A staged input's bytes: each starts at a multiple of 8 (any element size).
const stagedBytes = (t) => Math.ceil(t.byteLength / 8) * 8;

// The inputs' bytes one after another in `staging`.
function stageInputs(tensors, staging) {
  let offset = 0;
  return tensors.map((t) => {
    new Uint8Array(staging, offset, t.byteLength).set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.byteLength));
    const entry = { offset, shape: t.shape, dtype: t.dtype };
    offset += stagedBytes(t);
    return entry;
  });
}

class Rpc {
  constructor(worker) {
    this._worker = worker;
    this._pending = new Map();
    this._next = 1;
    worker.onmessage = ({ data: { call, value, error, progress } }) => {
      const pending = this._pending.get(call);
      if (progress !== undefined) {  // an event of a call still running (loadModel's onProgress)
        if (pending.onProgress) pending.onProgress(progress);
        return;
      }
      this._pending.delete(call);
      if (error !== undefined) pending.reject(new Error(error));
      else pending.resolve(value);
    };
    worker.onerror = (event) => {
      const error = new Error(`wasm-torch: the inference worker failed: ${event.message || "unknown error"}`);
      for (const pending of this._pending.values()) pending.reject(error);
      this._pending.clear();
    };
  }

  call(method, args = {}, transfer = [], onProgress = undefined) {
    const call = this._next++;
    return new Promise((resolve, reject) => {
      this._pending.set(call, { resolve, reject, onProgress });
      this._worker.postMessage({ call, method, args }, transfer);
    });
  }

  terminate() {
    this._worker.terminate();
  }
}

/** A tensor of worker mode: its data is a typed array on the calling thread. */
export class HostTensor {
  constructor(data, shape, dtype) {
    this._data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = numel(shape);
    this.byteLength = data.byteLength;
  }

  get disposed() {
    return this._data === null;
  }

  get data() {
    if (this.disposed) throw new Error("wasm-torch: this tensor was disposed");
    return this._data;
  }

  toArray() {
    return Array.from(this.data);
  }

  dispose() {
    this._data = null;
  }
}

class RemoteModel {
  constructor(runtime, info) {
    this._rt = runtime;
    this._id = info.id;
    this.inputs = info.inputs;
    this.outputs = info.outputs;
    this.inputNames = info.inputs.map((spec) => spec.name);
    this.outputNames = info.outputs.map((spec) => spec.name);
    this.outputStructure = info.outputStructure;
    this.symbols = info.symbols;
    this.arenaBytes = info.arenaBytes;
    this.weightBytes = info.weightBytes;
    this.fileBytes = info.fileBytes;
    this._inputBuffers = new InputBuffers();
  }

  async forward(...args) {
    const reply = await this._call("forward", positionalInputs(this.inputNames, args, (t) => t instanceof HostTensor), {});
    const outputs = reply.map((o) => new HostTensor(o.data, o.shape, o.dtype));
    if (this.symbols.length) this.outputs = this.outputs.map((spec, i) => ({ ...spec, shape: [...outputs[i].shape] }));
    return structuredOutputs(this.outputStructure, outputs);
  }

  /** Model.benchmark, run in the worker: the timed loop sends no messages. */
  async benchmark(inputs, options = {}) {
    const tensors = positionalInputs(this.inputNames, [inputs], (t) => t instanceof HostTensor);
    return this._call("benchmark", tensors, { options: benchmarkOptions(options) });
  }

  // A call on this model in the worker with its input tensors (in shared memory when the page is
  // cross-origin isolated, else copied).
  async _call(method, tensors, args) {
    if (this._id === 0) throw new Error("wasm-torch: this model was disposed");
    tensors.forEach((t, i) => {
      if (!(t instanceof HostTensor)) {
        throw new Error(`wasm-torch: input ${i} is not a Tensor of a worker runtime (create it with this model's runtime.createTensor)`);
      }
      if (t.disposed) throw new Error(`wasm-torch: input ${i} was disposed`);
    });
    if (!SHARED_INPUTS) {
      const inputs = tensors.map((t) => ({ data: t.data, shape: t.shape, dtype: t.dtype }));
      return this._rt._rpc.call(method, { ...args, id: this._id, inputs });
    }
    const staging = this._inputBuffers.take(tensors.reduce((sum, t) => sum + stagedBytes(t), 0));
    try {
      return await this._rt._rpc.call(method, { ...args, id: this._id, inputs: stageInputs(tensors, staging), staging });
    } finally {
      this._inputBuffers.give(staging);
    }
  }

  getProfilingData() {
    return this._rt._rpc.call("modelProfilingData", { id: this._id });
  }

  dispose() {
    if (this._id === 0) return;
    this._rt._rpc.call("disposeModel", { id: this._id }).catch(() => {});
    this._rt._models.delete(this);
    this._id = 0;
  }
}

export class RemoteRuntime {
  constructor(rpc, info) {
    this._rpc = rpc;
    this._info = info;
    this._models = new Set();
    this.variant = info.variant;
    this.notes = info.notes;
    this.kernels = info.kernels;
    this.worker = true;
  }

  hasSIMD() {
    return this._info.simd;
  }

  getThreadCount() {
    return this._info.threads;
  }

  async loadModel(source, options) {
    // URLs are resolved here (the worker's base URL is its script's); bytes are copied over. The
    // options are checked here; onProgress gets the worker's progress events.
    const { onProgress, cache, integrity } = checkLoadOptions(options);
    const resolved = typeof source === "string" || source instanceof URL ? new URL(source, globalThis.location.href).href
      : ArrayBuffer.isView(source) ? source.slice() : source;
    const reply = await this._rpc.call("loadModel", { source: resolved, options: { cache, integrity },
      progress: Boolean(onProgress) }, [], onProgress);
    const model = new RemoteModel(this, reply);
    this._models.add(model);
    return model;
  }

  createTensor(data, shape, dtype) {
    const checked = checkedTensorData(data, shape, dtype);
    return new HostTensor(checked.typed.slice(), checked.shape, checked.dtype);
  }

  getMemoryStats() {
    return this._rpc.call("getMemoryStats");
  }

  enableOperationProfiling(on = true) {
    this._rpc.call("enableOperationProfiling", { on: Boolean(on) });
  }

  getProfilingData() {
    return this._rpc.call("getProfilingData");
  }

  dispose() {
    this._rpc.call("dispose").finally(() => this._rpc.terminate());
    this._models.clear();
  }
}

export async function startWorkerRuntime(options) {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const rpc = new Rpc(worker);
  // wasmPaths relative to the page, not to the worker's script.
  const page = globalThis.location.href, { wasmPaths } = options;
  const absolute = (url) => new URL(url, page).href;
  const args = { ...options, wasmPaths: wasmPaths === undefined ? undefined : typeof wasmPaths === "string" || wasmPaths instanceof URL
    ? absolute(wasmPaths) : Object.fromEntries(Object.entries(wasmPaths).map(([name, url]) => [name, absolute(url)])) };
  try {
    return new RemoteRuntime(rpc, await rpc.call("init", args));
  } catch (error) {
    rpc.terminate();
    throw error;
  }
}
