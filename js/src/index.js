// wasm-torch JavaScript API: WASMTorch.init() -> Runtime -> loadModel() -> Model.forward().
// The only thing it talks to is the runtime's C ABI (runtime/api/wasm_torch.h).
import { benchmarkOptions, summarizeTimes } from "./benchmark.js";
import { detectNodeCores, hardwareConcurrency, isNode, nodeModule, relaxedSimdSupported, simdSupported,
  threadsUnavailableReason } from "./features.js";
import { buildFiles } from "./builds.js";
import { parseStructure, positionalInputs, structuredOutputs } from "./io.js";
import { checkLoadOptions, readModel } from "./model_source.js";
import { makeLogger, resolveInitOptions } from "./options.js";
import { DTYPES, Tensor, checkedTensorData, dtypeName } from "./tensor.js";

export { Tensor };

const MAX_DEFAULT_THREADS = 4;

/**
 * Chooses the build: SIMD+threads, SIMD only, or baseline, each SIMD one with relaxed SIMD's fused
 * multiply-add where the engine has it (unless relaxedSimd is false); and why, when it falls back.
 */
export function chooseVariant({ simd = true, threads = "auto", relaxedSimd = true } = {}) {
  const notes = [];
  const simdOk = simdSupported();
  if (simd && !simdOk) notes.push("WebAssembly SIMD is not supported here: using the baseline build");
  const useSimd = simd && simdOk;
  let wanted = threads === "auto" ? Math.min(hardwareConcurrency(), MAX_DEFAULT_THREADS) : Number(threads);
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`wasm-torch: threads must be a positive integer or "auto", got ${threads}`);
  if (wanted > 1) {
    const reason = !useSimd ? "threads need the SIMD build" : threadsUnavailableReason();
    if (reason) {
      notes.push(`threads unavailable (${reason}): running on 1 thread`);
      wanted = 1;
    }
  }
  const relaxed = useSimd && relaxedSimd && relaxedSimdSupported() ? "relaxed-" : "";
  const variant = wanted > 1 ? `${relaxed}simd-threads` : useSimd ? `${relaxed}simd` : "baseline";
  return { variant, threads: wanted, notes };
}

async function readNodeFile(url) {
  const { readFile } = await nodeModule("fs/promises");
  return new Uint8Array(await readFile(url));
}

async function instantiate(variant, threads, wasmPaths, memory, log) {
  const files = buildFiles(variant, wasmPaths, isNode ? undefined : globalThis.location && globalThis.location.href);
  const { default: createModule } = await import(/* @vite-ignore */ /* webpackIgnore: true */ files.glue.href);
  // The memory init's options describe (initial_memory, memory_pool_size, maximum_memory,
  // memory_growth); shared between the pool's threads in the threaded builds.
  const wasmMemory = new WebAssembly.Memory({ initial: memory.initialPages, maximum: memory.maximumPages,
    shared: variant.endsWith("-threads") });
  const options = { pthreadPoolSize: threads, printErr: log.warn, wasmMemory };
  if (isNode) {
    options.wasmBinary = await readNodeFile(files.wasm);
  } else {
    // By URL, whatever a bundler or wasmPaths named the files (builds.js).
    options.locateFile = (path) => (path.endsWith(".wasm") ? files.wasm.href : path.endsWith(".worker.js") ? files.worker.href : path);
    options.mainScriptUrlOrBlob = files.glue.href;
  }
  return createModule(options);
}

class Runtime {
  constructor(module, choice, options, notes, log) {
    this._m = module;
    this.variant = choice.variant;
    /** Why the runtime differs from what was asked (fallbacks, unsupported option values). */
    this.notes = notes;
    this._log = log;
    this._models = new Set();
    this._profiling = false;
    this._liveTensors = { count: 0, bytes: 0 };  // kept by _tensorCreated / _tensorFreed
    // The heap's peak without walking it on every forward (mallinfo walks the heap: ~2 us):
    // sampled at loads and stats reads, and in between bounded by the tensors' rise, since a
    // forward allocates nothing but its output tensors.
    this._peakHeapUsed = 0;
    this._heapAtSample = 0;
    this._tensorBytesAtSample = 0;
    this._tensorPeakSinceSample = 0;
    this._handle = module._wt_runtime_create(choice.threads);
    if (!this._handle) throw this._error("creating the runtime");
    // Node: the pool's threads are worker_threads, each of which would keep the process alive until
    // dispose(). Unreferenced, a script exits when its own work is done (the threads end with it).
    if (isNode && module.PThread) {
      for (const worker of [...module.PThread.unusedWorkers, ...module.PThread.runningWorkers]) worker.unref();
    }
    if (options.referenceKernels) module._wt_runtime_set_reference_kernels(this._handle, 1);
    /** The microkernels this runtime's models run: "scalar", "simd128" or "relaxed-simd". */
    this.kernels = module.UTF8ToString(module._wt_runtime_kernel_isa(this._handle));
    /** How static int8 layers multiply 7-bit inputs: "relaxed" (relaxed SIMD's int8 dot, where this
     * engine's is exact), "simd128" or "scalar". */
    this.int8Dot = module.UTF8ToString(module._wt_runtime_int8_dot(this._handle));
    if (options.profiling) this.enableOperationProfiling(true);
    log.info(`runtime: ${this.variant} build, ${this.getThreadCount()} thread(s), ${this.kernels} kernels (int8 dot ${this.int8Dot}), ` +
      `${this._heap().buffer.byteLength} bytes of memory`);
  }

  hasSIMD() {
    return this._m._wt_simd_level() > 0;
  }

  getThreadCount() {
    return this._m._wt_runtime_thread_count(this._handle);
  }

  /** Per-operation timing for every loaded (and later loaded) model; enabling resets the totals. */
  enableOperationProfiling(on = true) {
    this._profiling = Boolean(on);
    for (const model of this._models) this._m._wt_model_set_profiling(model._handle, this._profiling ? 1 : 0);
  }

  /**
   * Wall time per operation since profiling was enabled: operationTimes lists every step of every
   * model ({model, index, op, source, totalMs, meanMs}), byOp sums them per op type.
   */
  getProfilingData() {
    const operationTimes = [...this._models].flatMap((model, index) =>
      model.getProfilingData().operationTimes.map((step) => ({ model: index, ...step })));
    return { enabled: this._profiling, operationTimes, ...summaries(operationTimes) };
  }

  /**
   * Loads a model from bytes, a URL or (Node) a file path. Options: onProgress({loaded, total,
   * fromCache}) while the bytes arrive; cache (true, or a Cache API name / a directory in Node) to
   * keep fetched models, keyed by URL and integrity; integrity ("sha256-<base64>") checked before use.
   */
  async loadModel(source, options) {
    const heap = { alloc: (bytes) => this._alloc(bytes), free: (ptr) => this._free(ptr), view: () => this._heap(), log: this._log };
    const { ptr, length } = await readModel(source, checkLoadOptions(options), heap);
    const handle = this._m._wt_model_load(this._handle, ptr, length); // takes ownership of ptr
    if (!handle) throw this._error("loading the model");
    const model = new Model(this, handle, length);
    if (this._profiling) this._m._wt_model_set_profiling(handle, 1);
    this._models.add(model);
    this._sampleHeap();
    this._log.info(`loaded a model: ${length} bytes, ${model.inputs.length} input(s), ${model.weightBytes} bytes ` +
      `of weights, a ${model.arenaBytes}-byte activation arena; memory now ${this._heap().buffer.byteLength} bytes`);
    return model;
  }

  /** Copies `data` into a new tensor in WebAssembly memory. */
  createTensor(data, shape, dtype) {
    const checked = checkedTensorData(data, shape, dtype);
    const tensor = new Tensor(this, this._alloc(checked.typed.byteLength), checked.shape, checked.dtype);
    tensor.data.set(checked.typed);
    return tensor;
  }

  /**
   * The wasm heap and what the loaded models planned at load time: their file bytes (weights are
   * used in place) and their activation arenas with op scratch. Inference allocates nothing
   * beyond these, apart from the input and output tensors the caller holds. heapUsed and
   * liveBuffers are the heap's own counts (everything allocated, and the runtime's buffers
   * including undisposed tensors): flat over many forwards and load/dispose cycles, so a leak
   * shows. peakBytes: the most heapUsed has been (sampled at loads and here; in between the heap
   * grows only by tensors, a forward allocating nothing but its outputs). liveTensors: the
   * tensors created and not disposed.
   */
  getMemoryStats() {
    const heapUsed = this._sampleHeap();
    const perModel = [...this._models].map((m) => ({ fileBytes: m.fileBytes, weightBytes: m.weightBytes,
      arenaBytes: m.arenaBytes, plannedBytes: m.fileBytes + m.arenaBytes }));
    const sum = (key) => perModel.reduce((total, model) => total + model[key], 0);
    return {
      heapSize: this._heap().length,
      heapUsed,
      peakBytes: this._peakHeapUsed,
      liveBuffers: this._m._wt_live_buffer_count() >>> 0,
      liveTensors: { ...this._liveTensors },
      fileBytes: sum("fileBytes"),
      weightBytes: sum("weightBytes"),
      arenaBytes: sum("arenaBytes"),
      plannedBytes: sum("plannedBytes"),
      models: this._models.size,
      perModel,
    };
  }

  // heapUsed now, folded into the peak with the most the tensors allocated since the last sample.
  _sampleHeap() {
    const used = this._m._wt_heap_used_bytes() >>> 0;
    const between = this._heapAtSample + this._tensorPeakSinceSample - this._tensorBytesAtSample;
    this._peakHeapUsed = Math.max(this._peakHeapUsed, used, between);
    this._heapAtSample = used;
    this._tensorBytesAtSample = this._tensorPeakSinceSample = this._liveTensors.bytes;
    return used;
  }

  _tensorCreated(bytes) {
    this._liveTensors.count += 1;
    this._liveTensors.bytes += bytes;
    this._tensorPeakSinceSample = Math.max(this._tensorPeakSinceSample, this._liveTensors.bytes);
  }

  _tensorFreed(bytes) {
    this._liveTensors.count -= 1;
    this._liveTensors.bytes -= bytes;
  }

  dispose() {
    for (const model of [...this._models]) model.dispose();
    if (this._handle) this._m._wt_runtime_destroy(this._handle);
    this._handle = 0;
    if (this._m.PThread) this._m.PThread.terminateAllThreads();
  }

  // -- internals shared with Model and Tensor -------------------------------------------------
  _heap() {
    return this._m.wasmMemory ? new Uint8Array(this._m.wasmMemory.buffer) : this._m.HEAPU8;
  }

  // Addresses and sizes come back from wasm32 as signed i32s; `>>> 0` reads them as the unsigned
  // values they are (the memory may grow past 2 GiB).
  _alloc(bytes) {
    const ptr = this._m._wt_alloc(bytes) >>> 0;
    if (!ptr) throw this._error(`allocating ${bytes} bytes`);
    return ptr;
  }

  _free(ptr) {
    this._m._wt_free(ptr);
  }

  _error(what) {
    return new Error(`wasm-torch: ${what} failed: ${this._m.UTF8ToString(this._m._wt_last_error())}`);
  }
}

// byOp: mean ms per forward per op type; byModule: per PyTorch module path (an op's source without
// its graph node name); table: the modules, slowest first, as console.table shows them.
function summaries(operationTimes) {
  const byOp = {};
  const byModule = {};
  for (const { op, source, meanMs } of operationTimes) {
    byOp[op] = (byOp[op] || 0) + meanMs;
    const module = source.split(" (")[0] || "(model)";
    byModule[module] = (byModule[module] || 0) + meanMs;
  }
  const total = Object.values(byModule).reduce((sum, ms) => sum + ms, 0);
  const table = Object.entries(byModule).sort((a, b) => b[1] - a[1])
    .map(([module, meanMs]) => ({ module, meanMs, percent: total > 0 ? (100 * meanMs) / total : 0 }));
  return { byOp, byModule, table };
}

const IO_INPUT = 0;
const IO_OUTPUT = 1;

class Model {
  constructor(runtime, handle, fileBytes) {
    this._rt = runtime;
    this._handle = handle;
    this._shapeScratch = runtime._alloc(8 * 8);
    this.inputs = this._specs(IO_INPUT, runtime._m._wt_model_num_inputs(handle));
    this.outputs = this._specs(IO_OUTPUT, runtime._m._wt_model_num_outputs(handle));
    /** Names of the inputs (the forward's parameters) and outputs (the returned structure's keys). */
    this.inputNames = this.inputs.map((spec) => spec.name);
    this.outputNames = this.outputs.map((spec) => spec.name);
    /** What forward() returns: null (a tensor), {tuple|list: [...]} or {dict: [[key, ...], ...]}. */
    this.outputStructure = parseStructure(this._metadata("output_structure"));
    this.symbols = this._symbols();
    this.arenaBytes = runtime._m._wt_model_arena_bytes(handle) >>> 0;
    this.weightBytes = runtime._m._wt_model_weight_bytes(handle) >>> 0;
    this.fileBytes = fileBytes;
  }

  /** This model's share of the runtime's operation profiling (see Runtime.enableOperationProfiling). */
  getProfilingData() {
    const m = this._rt._m;
    const runs = m._wt_model_profiled_runs(this._handle);
    const operationTimes = [];
    for (let index = 0; index < m._wt_model_step_count(this._handle); index++) {
      const totalMs = m._wt_model_step_total_ms(this._handle, index);
      operationTimes.push({
        index,
        op: m.UTF8ToString(m._wt_model_step_op(this._handle, index)),
        source: m.UTF8ToString(m._wt_model_step_source(this._handle, index)),
        algorithm: m.UTF8ToString(m._wt_model_step_algorithm(this._handle, index)),
        totalMs,
        meanMs: runs ? totalMs / runs : 0,
      });
    }
    return { runs, operationTimes, ...summaries(operationTimes) };
  }

  _metadata(key) {
    const bytes = new TextEncoder().encode(`${key}\0`);
    const ptr = this._rt._alloc(bytes.length);
    try {
      this._rt._heap().set(bytes, ptr);
      const value = this._rt._m._wt_model_metadata(this._handle, ptr);
      return value ? this._rt._m.UTF8ToString(value) : undefined;
    } finally {
      this._rt._free(ptr);
    }
  }

  _specs(io, count) {
    const m = this._rt._m;
    const specs = [];
    for (let i = 0; i < count; i++) {
      const rank = m._wt_model_tensor_rank(this._handle, io, i);
      const shapePtr = m._wt_model_tensor_shape(this._handle, io, i) >>> 0;
      const shape = Array.from(new BigInt64Array(this._rt._heap().buffer, shapePtr, rank), Number);
      const dims = shape.map((d, axis) => {
        const name = m._wt_model_tensor_dim_name(this._handle, io, i, axis);
        return name ? m.UTF8ToString(name) : d;
      });
      specs.push({
        name: m.UTF8ToString(m._wt_model_tensor_name(this._handle, io, i)),
        dtype: dtypeName(m._wt_model_tensor_dtype(this._handle, io, i)),
        shape,
        dims,
      });
    }
    return specs;
  }

  _symbols() {
    const m = this._rt._m;
    const symbols = [];
    for (let i = 0; i < m._wt_model_symbol_count(this._handle); i++) {
      const max = m._wt_model_symbol_bound(this._handle, i, 1);
      symbols.push({
        name: m.UTF8ToString(m._wt_model_symbol_name(this._handle, i)),
        min: m._wt_model_symbol_bound(this._handle, i, 0),
        max: max < 0 ? Infinity : max,
      });
    }
    return symbols;
  }

  /**
   * Runs the model on tensors by position (or one array of them) or one object by input name.
   * Resolves to what the PyTorch model returned: a Tensor, an array, or an object by key.
   */
  async forward(...args) {
    this._run(...args);
    const copies = this._outputPlaces().map(({ address, bytes }, i) => {
      const spec = this.outputs[i];
      const tensor = new Tensor(this._rt, this._rt._alloc(bytes), spec.shape, spec.dtype);
      this._rt._heap().copyWithin(tensor._ptr, address, address + bytes);
      return tensor;
    });
    return structuredOutputs(this.outputStructure, copies);
  }

  /** A forward (forward()'s arguments) whose outputs stay where the model keeps them: _outputViews(). */
  _run(...args) {
    if (!this._handle) throw new Error("wasm-torch: this model was disposed");
    const tensors = positionalInputs(this.inputNames, args, (t) => t instanceof Tensor);
    this._runOn(tensors.map((t, i) => this._inputPlace(i, t)));
  }

  /** _run on inputs where they lie in the runtime's memory: {address, bytes, dtype, shape} by input
   * (worker mode's payload, when it is that memory). */
  _runOn(places) {
    if (!this._handle) throw new Error("wasm-torch: this model was disposed");
    this._setInputs(places);
    const m = this._rt._m;
    const start = performance.now();
    if (!m._wt_model_forward(this._handle)) throw this._rt._error("forward");
    this._rt._log.verbose(`forward: ${(performance.now() - start).toFixed(3)} ms`);
    if (this.symbols.length) this.outputs = this._specs(IO_OUTPUT, this.outputs.length);  // this forward's shapes
  }

  /** The last forward's outputs in the model's memory, flat: {data, shape, dtype} with data a view
   * that the next forward overwrites (worker mode copies them to the page from there). */
  _outputViews() {
    const buffer = this._rt._heap().buffer;
    return this._outputPlaces().map(({ address, bytes }, i) => {
      const spec = this.outputs[i], array = DTYPES[spec.dtype].array;
      return { data: new array(buffer, address, bytes / array.BYTES_PER_ELEMENT), shape: spec.shape, dtype: spec.dtype };
    });
  }

  /** Where the last forward's outputs lie in the model's memory: {address, bytes} by output. */
  _outputPlaces() {
    const m = this._rt._m;
    return this.outputs.map((_, i) => ({
      address: m._wt_model_output_data(this._handle, i) >>> 0,
      bytes: m._wt_model_tensor_bytes(this._handle, IO_OUTPUT, i) >>> 0,
    }));
  }

  /**
   * Times forwards inside the engine: inputs set once, `warmup` forwards untimed, then `iterations`
   * samples, each the mean of `repeat` back-to-back forwards (browser timers tick in 5-100 us steps:
   * a fast model wants repeat > 1), timed around the forward alone (no input or output copies; in
   * worker mode the loop runs in the worker, so no messages either). Resolves to {medianMs, p90Ms,
   * meanMs, minMs, maxMs, timesMs, iterations, warmup, repeat} and, unless operations is false, byOp,
   * byModule, table and operationTimes: mean ms per op type, per module and per step over
   * `iterations` further forwards with operation profiling on (which resets this model's totals).
   */
  async benchmark(inputs, options = {}) {
    if (!this._handle) throw new Error("wasm-torch: this model was disposed");
    const { warmup, iterations, repeat, operations } = benchmarkOptions(options);
    const tensors = positionalInputs(this.inputNames, [inputs], (t) => t instanceof Tensor);
    this._setInputs(tensors.map((t, i) => this._inputPlace(i, t)));
    const m = this._rt._m;
    const forward = () => {
      if (!m._wt_model_forward(this._handle)) throw this._rt._error("forward");
    };
    for (let i = 0; i < warmup; i++) forward();
    const timesMs = [];
    for (let i = 0; i < iterations; i++) {
      const start = performance.now();
      for (let r = 0; r < repeat; r++) forward();
      timesMs.push((performance.now() - start) / repeat);
    }
    const result = { ...summarizeTimes(timesMs), timesMs, iterations, warmup, repeat };
    if (operations) {
      m._wt_model_set_profiling(this._handle, 1);
      try {
        for (let i = 0; i < iterations; i++) forward();
        const { operationTimes, byOp, byModule, table } = this.getProfilingData();
        Object.assign(result, { operationTimes, byOp, byModule, table });
      } finally {
        m._wt_model_set_profiling(this._handle, this._rt._profiling ? 1 : 0);
      }
    }
    return result;
  }

  // Input `index` as _setInput takes it, once it is a live tensor of this runtime.
  _inputPlace(index, tensor) {
    if (!(tensor instanceof Tensor)) throw new Error(`wasm-torch: input ${index} is not a Tensor (use runtime.createTensor)`);
    if (tensor.disposed) throw new Error(`wasm-torch: input ${index} was disposed`);
    if (tensor._runtime !== this._rt) {  // its address means nothing in this runtime's memory
      throw new Error(`wasm-torch: input ${index} was created by another runtime; create it with this model's runtime.createTensor`);
    }
    return { address: tensor._ptr, bytes: tensor.byteLength, dtype: tensor.dtype, shape: tensor.shape };
  }

  // Every input, one place each (_inputPlace).
  _setInputs(places) {
    if (places.length !== this.inputs.length) {
      throw new Error(`wasm-torch: the model takes ${this.inputs.length} input(s), got ${places.length}`);
    }
    places.forEach((place, i) => this._setInput(i, place));
  }

  // The runtime checks the bytes, dtype and shape against the model's input.
  _setInput(index, { address, bytes, dtype, shape }) {
    const m = this._rt._m;
    const rank = shape.length;
    if (rank > 8) throw new Error(`wasm-torch: input ${index} has rank ${rank}, more than 8`);
    new BigInt64Array(this._rt._heap().buffer, this._shapeScratch, rank).set(shape.map(BigInt));
    const ok = m._wt_model_set_input(this._handle, index, address, bytes, DTYPES[dtype].code,
      rank, this._shapeScratch);
    if (!ok) throw this._rt._error("forward");
  }

  dispose() {
    if (!this._handle) return;
    this._rt._m._wt_model_destroy(this._handle);
    this._rt._free(this._shapeScratch);
    this._rt._models.delete(this);
    this._handle = 0;
  }
}

// A page's main thread must not block on inference: there, the runtime runs in a Worker.
const onBrowserMainThread = typeof window === "object" && typeof document === "object";

export const WASMTorch = {
  /**
   * Starts a runtime. Options: simd (default true), relaxedSimd (default true), threads (a count or
   * "auto"), wasmPaths (where the wasm-torch-* files are served, as onnxruntime-web's: a URL prefix such
   * as a CDN directory, or a map from file name to URL; default: the package's dist/, which bundlers
   * emit), worker ("auto" (default): in a Worker when on a page's main thread, at any thread count;
   * true: the same; false: on this thread, which then blocks during inference), referenceKernels (default false:
   * true runs the scalar reference of every SIMD kernel, to check a SIMD build against it); and the
   * performance guide's: memory_growth (default true), initial_memory (bytes, default and least
   * 32 MiB), maximum_memory (default and most 4 GiB, all wasm32 can address), memory_pool_size
   * (bytes reserved up front on top of initial_memory), profiling (operation profiling from the start), debug (log_level
   * "verbose"), log_level ("silent", "error", "warn" (default), "info": runtime and model loads,
   * "verbose": every forward's time), enable_memory_recycling, work_stealing, optimize_for_speed
   * (true, the default, is what the runtime does; false is reported unsupported) and
   * thread_affinity (unsupported: reported). Unsupported values land in runtime.notes with a
   * warning; an unknown option throws (js/src/options.js).
   */
  async init(given = {}) {
    const { options, memory, notes } = resolveInitOptions(given);  // an unknown option throws here
    const worker = options.worker;
    if (worker === true && !onBrowserMainThread) {
      throw new Error("wasm-torch: worker mode is for a page's main thread (Node and workers run inference directly)");
    }
    if (worker === true || (worker === "auto" && onBrowserMainThread)) {
      const { startWorkerRuntime } = await import("./remote.js");
      return startWorkerRuntime(given);
    }
    const log = makeLogger(options.log_level);
    await detectNodeCores();
    const choice = chooseVariant(options);
    const allNotes = [...choice.notes, ...notes];
    for (const note of allNotes) log.warn(note);
    const module = await instantiate(choice.variant, choice.threads, options.wasmPaths, memory, log);
    return new Runtime(module, choice, options, allNotes, log);
  },
  chooseVariant,
};

export default WASMTorch;
