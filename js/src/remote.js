// Worker mode: on a browser page's main thread, WASMTorch.init() runs the runtime in a dedicated
// Worker (worker.js) and returns these stand-ins. They mirror Runtime and Model; what needs the
// worker's answer returns a Promise (getMemoryStats, getProfilingData: await them in both modes).
// Tensors stay on this side as plain typed arrays and are copied at forward(). Forwards cross
// through shared memory (ForwardChannel, channel.js) where the page can, other calls by message.
import { benchmarkOptions } from "./benchmark.js";
import * as channel from "./channel.js";
import { positionalInputs, structuredOutputs } from "./io.js";
import { checkLoadOptions } from "./model_source.js";
import { checkedTensorData, numel } from "./tensor.js";

// Inputs sent by message (benchmark(), and forwards where there is no channel) are staged in shared
// memory where the page has it (cross-origin isolated, as threads need): a structured clone of a
// 600 KB image cost 0.97 ms a round trip in Chromium, a copy into a SharedArrayBuffer and an empty
// message 0.07 ms. Each call in flight holds a buffer of its own; finished ones are kept for the next.
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
    this.forwards = null;  // the ForwardChannel, once open: each message first wakes the worker through it
    // Rejects when the worker fails: what a forward waiting on the channel races.
    this.failed = new Promise((_, reject) => { this._fail = reject; });
    this.failed.catch(() => {});
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
      this._fail(error);
    };
  }

  call(method, args = {}, transfer = [], onProgress = undefined) {
    const call = this._next++;
    return new Promise((resolve, reject) => {
      this._pending.set(call, { resolve, reject, onProgress });
      if (this.forwards) this.forwards.announceMessage();
      this._worker.postMessage({ call, method, args }, transfer);
    });
  }

  terminate() {
    this._worker.terminate();
  }
}

// The page's half of the forward channel (channel.js).
class ForwardChannel {
  /** Where the page can use one: cross-origin isolated, with Atomics.waitAsync (the page may not block). */
  static supported() {
    return SHARED_INPUTS && typeof Atomics.waitAsync === "function";
  }

  static async open(rpc, threads) {
    const forwards = new ForwardChannel(rpc, threads);
    forwards._payload = await rpc.call("openChannel", { control: forwards._control });
    rpc.forwards = forwards;
  }

  constructor(rpc, threads) {
    this._rpc = rpc;
    // The page watches for replies only where a core is left for it beside the worker's threads.
    this._spinMs = (globalThis.navigator?.hardwareConcurrency ?? 1) > threads ? channel.kPageSpinMs : 0;
    this._lastMs = new Map();  // model id -> its last forward's time from request to reply, ms
    this._turned = performance.now();  // when the page's event loop last had a turn between forwards
    this._turns = null;                // the MessageChannel that gives it one
    this._control = new SharedArrayBuffer(channel.kControlBytes);
    this._words = new Int32Array(this._control);
    this._payload = null;  // where the worker keeps the payload (channel.payloadView)
    this._queue = Promise.resolve();
  }

  /** Resolves once the forwards sent so far have been answered. */
  settled() {
    return this._queue;
  }

  announceMessage() {
    Atomics.add(this._words, channel.MESSAGES, 1);
    this._wake();
  }

  /** Model `id`'s outputs ({data, shape, dtype}, data the page's own) for `tensors`; null when
   * their table does not fit the channel (forward then goes by message). */
  forward(id, tensors) {
    // Their arrays now: a tensor disposed once forward() returns is still this forward's input.
    const inputs = tensors.map((t) => ({ data: t.data, shape: t.shape, dtype: t.dtype }));
    const reply = this._queue.then(() => this._forward(id, inputs));
    this._queue = reply.then(() => {}, () => {});
    return reply;
  }

  async _forward(id, tensors) {
    const bytes = channel.payloadBytes(tensors);
    if (bytes > this._payload.bytes) await this._grow(bytes);
    if (!channel.writeTensors(this._control, channel.payloadView(this._payload), tensors)) return null;
    const replies = Atomics.load(this._words, channel.REPLIES);
    Atomics.store(this._words, channel.MODEL, id);
    Atomics.add(this._words, channel.REQUESTS, 1);
    const start = performance.now();
    this._wake();
    if (this._spinMs > 0) await this._watch(replies, this._lastMs.get(id) ?? Infinity);
    while (Atomics.load(this._words, channel.REPLIES) === replies) {
      const wait = Atomics.waitAsync(this._words, channel.REPLIES, replies);
      if (wait.async) {
        await Promise.race([wait.value, this._rpc.failed]);
        this._turned = performance.now();  // waitAsync resolves from a task of its own
      }
    }
    const end = performance.now();
    // Until the reply was written, not until the page saw it: a page that woke late would
    // otherwise expect ever longer forwards.
    this._lastMs.set(id, channel.replyTime(this._control) - start);
    if (end - this._turned > channel.kPageTurnMs) await this._turn();
    switch (Atomics.load(this._words, channel.STATUS)) {
      case channel.REPLY_OUTPUTS:  // copied: the payload is the next request's
        return channel.readTensors(this._control, channel.payloadView(this._payload)).map((t) => ({ ...t, data: t.data.slice() }));
      case channel.REPLY_ERROR:
        throw new Error(new TextDecoder().decode(channel.payloadView(this._payload).slice(0, channel.readCount(this._control))));
      default:  // REPLY_TOO_LARGE: the worker hands these outputs over with the larger payload
        return this._grow(channel.readCount(this._control));
    }
  }

  // Watches for the reply after `replies` for up to kPageSpinMs, at once for a forward expected within
  // that, else from kPageWakeLeadMs before it is due (`expectedMs` after the request).
  async _watch(replies, expectedMs) {
    if (!Number.isFinite(expectedMs)) return;
    if (expectedMs > this._spinMs) {
      const wait = Atomics.waitAsync(this._words, channel.REPLIES, replies, expectedMs - channel.kPageWakeLeadMs);
      if (wait.async) {
        await Promise.race([wait.value, this._rpc.failed]);
        this._turned = performance.now();
      }
    }
    const start = performance.now();
    while (Atomics.load(this._words, channel.REPLIES) === replies && performance.now() - start < this._spinMs) { /* spin */ }
  }

  // A turn of the page's event loop (kPageTurnMs).
  async _turn() {
    if (!this._turns) this._turns = new MessageChannel();
    await new Promise((resolve) => {
      this._turns.port1.onmessage = resolve;
      this._turns.port2.postMessage(0);
    });
    this._turned = performance.now();
  }

  // A payload of at least `bytes` (the next power of two) from the worker; resolves to the outputs
  // that did not fit the last one.
  async _grow(bytes) {
    const { payload, outputs } = await this._rpc.call("growChannel", { bytes: 2 ** Math.ceil(Math.log2(bytes)) });
    this._payload = payload;
    return outputs;
  }

  _wake() {
    Atomics.add(this._words, channel.EVENTS, 1);
    Atomics.notify(this._words, channel.EVENTS);
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
    const tensors = positionalInputs(this.inputNames, args, (t) => t instanceof HostTensor);
    const forwards = this._rt._rpc.forwards;
    const reply = (forwards && await forwards.forward(this._id, this._checked(tensors))) || await this._call("forward", tensors, {});
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
    this._checked(tensors);
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

  // `tensors` when this model is live and they are live tensors of a worker runtime; else throws.
  _checked(tensors) {
    if (this._id === 0) throw new Error("wasm-torch: this model was disposed");
    tensors.forEach((t, i) => {
      if (!(t instanceof HostTensor)) {
        throw new Error(`wasm-torch: input ${i} is not a Tensor of a worker runtime (create it with this model's runtime.createTensor)`);
      }
      if (t.disposed) throw new Error(`wasm-torch: input ${i} was disposed`);
    });
    return tensors;
  }

  getProfilingData() {
    return this._rt._rpc.call("modelProfilingData", { id: this._id });
  }

  dispose() {
    if (this._id === 0) return;
    const id = this._id;
    // After the forwards already sent: the channel's do not queue behind messages.
    this._rt._settled().then(() => this._rt._rpc.call("disposeModel", { id })).catch(() => {});
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
    this.int8Dot = info.int8Dot;
    this.worker = true;
    /** How forwards reach the worker: "shared-memory" (channel.js) or "messages" (a page that is not
     * cross-origin isolated, or lacks Atomics.waitAsync). */
    this.workerChannel = rpc.forwards ? "shared-memory" : "messages";
  }

  _settled() {
    return this._rpc.forwards ? this._rpc.forwards.settled() : Promise.resolve();
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
    this._settled().then(() => this._rpc.call("dispose")).finally(() => this._rpc.terminate());
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
    const info = await rpc.call("init", args);
    if (ForwardChannel.supported()) await ForwardChannel.open(rpc, info.threads);
    return new RemoteRuntime(rpc, info);
  } catch (error) {
    rpc.terminate();
    throw error;
  }
}
