// Type declarations for the wasm-torch JavaScript API.

export type DType = "float32" | "float16" | "int64" | "int32" | "int8" | "uint8" | "bool";
export type Variant = "relaxed-simd-threads" | "relaxed-simd" | "simd-threads" | "simd" | "baseline";
export type TypedData = Float32Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface InitOptions {
  /** Use the SIMD128 build when the engine supports it (default true). */
  simd?: boolean;
  /** Use the relaxed-SIMD build (fused multiply-add GEMM) where the engine supports it (default true). */
  relaxedSimd?: boolean;
  /** Thread count, or "auto" (default): min(cores, 4) where threads work, else 1. */
  threads?: number | "auto";
  /** Where the wasm-torch-* files are (onnxruntime-web's wasmPaths): a URL prefix (a CDN directory), or a map from file name to URL. Default: the package's dist/, which bundlers emit. */
  wasmPaths?: string | URL | Record<string, string | URL>;
  /**
   * "auto" (default): on a page's main thread, run inference in a dedicated Worker at any thread
   * count (the main thread never blocks); true: the same (pages only); false: on the calling thread.
   */
  worker?: boolean | "auto";
  /** Run the scalar reference of every SIMD kernel (default false): checks a SIMD build against it. */
  referenceKernels?: boolean;
  /** Let the WebAssembly memory grow up to maximum_memory (default true); false: it stays at its start size. */
  memory_growth?: boolean;
  /** Bytes of memory to start with: at least and by default 32 MiB. */
  initial_memory?: number;
  /** The most the memory may grow to: at most and by default 4 GiB (all wasm32 can address). */
  maximum_memory?: number;
  /** Bytes reserved up front for models and their arenas, on top of initial_memory (default 0). */
  memory_pool_size?: number;
  /** Operation profiling from the start (default false; see Runtime.enableOperationProfiling). */
  profiling?: boolean;
  /** log_level "verbose" unless log_level is given (default false). */
  debug?: boolean;
  /** Console output: "warn" (default): notes; "info": runtime and model loads; "verbose": every forward's time. */
  log_level?: "silent" | "error" | "warn" | "info" | "verbose";
  /** Always on (activations share one planned arena): false is reported in notes. */
  enable_memory_recycling?: boolean;
  /** Always on (idle threads take chunks from busy ones): false is reported in notes. */
  work_stealing?: boolean;
  /** The fastest kernels (default true): false is reported in notes. */
  optimize_for_speed?: boolean;
  /** Not supported by JavaScript engines: true is reported in notes. */
  thread_affinity?: boolean;
}

export interface TensorSpec {
  name: string;
  dtype: DType;
  /** Inputs: the export example's shape; outputs: the shape of the last forward. */
  shape: number[];
  /** Per axis: a number where it is static, the dimension's name ("seq", "2*seq") where dynamic. */
  dims: Array<number | string>;
}

/** A dynamic dimension of the model (exported with dynamic_shapes / dynamic_axes) and its bounds. */
export interface SymbolSpec {
  name: string;
  min: number;
  max: number;
}

export interface MemoryStats {
  /** Size of the WebAssembly memory in bytes. */
  heapSize: number;
  /** Bytes the heap has handed out and not taken back: returns to its level after dispose(). */
  heapUsed: number;
  /** The most heapUsed has been: sampled at loads and stats reads, bounded in between by the tensors allocated. */
  peakBytes: number;
  /** The runtime's live buffers: model files, arenas, scratch and undisposed tensors. */
  liveBuffers: number;
  /** Tensors created and not disposed (in worker mode: the worker's, which it disposes itself). */
  liveTensors: { count: number; bytes: number };
  /** Each loaded model's share of fileBytes, weightBytes, arenaBytes and plannedBytes. */
  perModel: Array<{ fileBytes: number; weightBytes: number; arenaBytes: number; plannedBytes: number }>;
  /** Bytes of the loaded model files, held in the heap (weights are used in place). */
  fileBytes: number;
  /** Of fileBytes, the weights. */
  weightBytes: number;
  /** Activation arenas and op scratch, planned at load time. */
  arenaBytes: number;
  /** fileBytes + arenaBytes: what the models need; inference allocates nothing more. */
  plannedBytes: number;
  models: number;
}

export interface OperationTime {
  /** Index among the runtime's loaded models (Runtime.getProfilingData only). */
  model?: number;
  index: number;
  op: string;
  /** Module path in the PyTorch model. */
  source: string;
  /** How the step runs where it can run several ways (conv2d NHWC: "winograd", "gemm", "indirect"), else "". */
  algorithm: string;
  totalMs: number;
  /** totalMs over the forward calls since profiling was enabled. */
  meanMs: number;
}

export interface ProfileSummaries {
  /** Mean ms per forward, summed per op type. */
  byOp: Record<string, number>;
  /** Mean ms per forward, summed per PyTorch module path. */
  byModule: Record<string, number>;
  /** The modules, slowest first: console.table(profile.table). */
  table: Array<{ module: string; meanMs: number; percent: number }>;
}

export interface ModelProfile extends ProfileSummaries {
  /** forward() calls since profiling was enabled. */
  runs: number;
  operationTimes: OperationTime[];
}

export interface ProfilingData extends ProfileSummaries {
  enabled: boolean;
  operationTimes: OperationTime[];
}

export interface BenchmarkOptions {
  /** Untimed forwards first (default 5). */
  warmup?: number;
  /** Timed samples (default 50). */
  iterations?: number;
  /** Forwards per sample, timed together (default 1): browser timers tick in 5-100 us steps. */
  repeat?: number;
  /** Also profile `iterations` forwards per operation (default true). */
  operations?: boolean;
}

export interface BenchmarkResult {
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
  /** Every sample, in order. */
  timesMs: number[];
  iterations: number;
  warmup: number;
  repeat: number;
  /** Mean ms per forward per op type, per module, the modules slowest first (with operations). */
  byOp?: Record<string, number>;
  byModule?: Record<string, number>;
  table?: Array<{ module: string; meanMs: number; percent: number }>;
  operationTimes?: OperationTime[];
}

export declare class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  readonly byteLength: number;
  readonly disposed: boolean;
  /** A view of the data in WebAssembly memory, valid until dispose(); copy it to keep it. */
  readonly data: TypedData;
  toArray(): Array<number | bigint>;
  dispose(): void;
}

/** What forward() resolves to: the structure the PyTorch model returned. */
export type Outputs = Tensor | Outputs[] | { [key: string]: Outputs };

export declare class Model {
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** The inputs' names (the forward's parameters), in order. */
  readonly inputNames: string[];
  /** The outputs' names (the returned structure's keys; "output" for one tensor), in order. */
  readonly outputNames: string[];
  /** The dynamic dimensions: inputs may take any size within their bounds (empty when static). */
  readonly symbols: SymbolSpec[];
  readonly arenaBytes: number;
  readonly weightBytes: number;
  readonly fileBytes: number;
  /** Inputs by position (or one array), or one object by input name; resolves to the model's output structure. */
  forward(...inputs: Tensor[]): Promise<Outputs>;
  forward(inputs: Tensor[] | Record<string, Tensor>): Promise<Outputs>;
  /** This model's operation times (see Runtime.enableOperationProfiling). */
  getProfilingData(): ModelProfile | Promise<ModelProfile>;
  /** Forwards timed inside the engine (in worker mode: in the worker, no messages per forward). */
  benchmark(inputs: Tensor | Tensor[] | Record<string, Tensor>, options?: BenchmarkOptions): Promise<BenchmarkResult>;
  dispose(): void;
}

export interface LoadProgress {
  /** Bytes received so far. */
  loaded: number;
  /** The model's size when known (Content-Length of an unencoded response, a file's size), else null. */
  total: number | null;
  /** Whether the bytes come from the cache. */
  fromCache: boolean;
}

export interface LoadOptions {
  onProgress?: (progress: LoadProgress) => void;
  /** Keep fetched models: true (the default store), or a Cache API cache name (browsers) / a directory (Node). Keyed by URL and integrity. */
  cache?: boolean | string;
  /** "sha256-<base64>" (or sha384-/sha512-), as in a script tag: checked before the model is used. */
  integrity?: string;
}

export declare class Runtime {
  readonly variant: Variant;
  /** True when inference runs in a Worker (worker mode); tensors are then plain typed arrays here. */
  readonly worker?: boolean;
  /** In worker mode, how forwards reach the worker: "shared-memory" (Atomics; cross-origin isolated
   * pages with Atomics.waitAsync) or "messages" (postMessage). Undefined without a worker. */
  readonly workerChannel?: "shared-memory" | "messages";
  /** Why the runtime fell back from what was asked, if it did. */
  readonly notes: string[];
  /** The microkernels its models run: the build's best, or "scalar" with referenceKernels. */
  readonly kernels: "scalar" | "simd128" | "relaxed-simd";
  /** How static int8 layers multiply 7-bit inputs: "relaxed" (relaxed SIMD's int8 dot, where the
   * engine computes it exactly: Chromium; not Node 20), "simd128" (i32x4.dot_i16x8_s) or "scalar". */
  readonly int8Dot: "scalar" | "simd128" | "relaxed";
  hasSIMD(): boolean;
  getThreadCount(): number;
  /** From bytes, a URL or (Node) a file path; options: progress events, a cache, an SRI hash. */
  loadModel(source: string | URL | ArrayBuffer | ArrayBufferView, options?: LoadOptions): Promise<Model>;
  createTensor(data: ArrayLike<number> | TypedData, shape?: number[], dtype?: DType): Tensor;
  /** A Promise in worker mode: await it in either mode. */
  getMemoryStats(): MemoryStats | Promise<MemoryStats>;
  /** Per-operation wall times for all loaded models; enabling resets the totals. */
  enableOperationProfiling(on?: boolean): void;
  /** A Promise in worker mode: await it in either mode. */
  getProfilingData(): ProfilingData | Promise<ProfilingData>;
  dispose(): void;
}

export interface VariantChoice {
  variant: Variant;
  threads: number;
  notes: string[];
}

export declare const WASMTorch: {
  init(options?: InitOptions): Promise<Runtime>;
  chooseVariant(options?: InitOptions): VariantChoice;
};

export default WASMTorch;
