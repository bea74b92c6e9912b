// WASMTorch.init's options: every one the performance guide names does what it says or, where this
// runtime or a JavaScript engine cannot honour a value, is reported in runtime.notes and a warning;
// a misspelt or unknown option, or a value of the wrong kind, is an error: never ignored.

import { WASM_INITIAL_MEMORY_MIB, WASM_MAXIMUM_MEMORY_MIB } from "./contract.js";

const MIB = 1024 * 1024;
const WASM_PAGE = 64 * 1024;
// The builds' own bounds (schema/contract.toml [wasm_memory]): the module declares the first as its
// least memory, and cannot address past the second.
export const BUILD_INITIAL_MEMORY = WASM_INITIAL_MEMORY_MIB * MIB;
export const BUILD_MAXIMUM_MEMORY = WASM_MAXIMUM_MEMORY_MIB * MIB;
export const LOG_LEVELS = ["silent", "error", "warn", "info", "verbose"];

const DEFAULTS = {
  simd: true,
  relaxedSimd: true,
  threads: "auto",
  worker: "auto",
  wasmPaths: undefined,
  referenceKernels: false,
  memory_growth: true,
  initial_memory: BUILD_INITIAL_MEMORY,
  maximum_memory: BUILD_MAXIMUM_MEMORY,
  memory_pool_size: 0,
  enable_memory_recycling: true,
  optimize_for_speed: true,
  profiling: false,
  debug: false,
  log_level: undefined,  // "warn", or "verbose" with debug
  work_stealing: true,
  thread_affinity: false,
};

function expectBoolean(options, key) {
  if (typeof options[key] !== "boolean") throw new Error(`wasm-torch: init option ${key} must be true or false, got ${options[key]}`);
}

function expectBytes(options, key, min, max) {
  const value = options[key];
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`wasm-torch: init option ${key} must be a whole number of bytes from ${min} to ${max}, got ${value}`);
  }
}

/**
 * The options with their defaults, checked, and what they mean for the memory: {options, memory:
 * {initialPages, maximumPages}, notes}. Throws on an unknown option or a value of the wrong kind.
 */
export function resolveInitOptions(given = {}) {
  const unknown = Object.keys(given).filter((key) => !(key in DEFAULTS));
  if (unknown.length) {
    throw new Error(`wasm-torch: unknown init option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} ` +
      `(options: ${Object.keys(DEFAULTS).join(", ")})`);
  }
  const options = { ...DEFAULTS };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) options[key] = value;
  for (const key of ["simd", "relaxedSimd", "referenceKernels", "memory_growth", "enable_memory_recycling",
    "optimize_for_speed", "profiling", "debug", "work_stealing", "thread_affinity"]) expectBoolean(options, key);
  if (options.log_level === undefined) options.log_level = options.debug ? "verbose" : "warn";
  if (!LOG_LEVELS.includes(options.log_level)) {
    throw new Error(`wasm-torch: init option log_level must be one of ${LOG_LEVELS.join(", ")}, got ${options.log_level}`);
  }
  const paths = options.wasmPaths;
  if (paths !== undefined && typeof paths !== "string" && !(paths instanceof URL) &&
    !(paths && typeof paths === "object" && Object.values(paths).every((v) => typeof v === "string" || v instanceof URL))) {
    throw new Error("wasm-torch: init option wasmPaths must be a URL prefix (string or URL) or a map from file name " +
      `(wasm-torch-simd.wasm ...) to URL, got ${paths}`);
  }
  expectBytes(options, "maximum_memory", BUILD_INITIAL_MEMORY, BUILD_MAXIMUM_MEMORY);
  expectBytes(options, "initial_memory", BUILD_INITIAL_MEMORY, options.maximum_memory);
  expectBytes(options, "memory_pool_size", 0, options.maximum_memory);

  const notes = [];
  // The pool is memory reserved when the runtime starts, on top of the initial memory: models load
  // and plan their arenas in it without growing (and moving) the heap.
  const initial = Math.min(options.initial_memory + options.memory_pool_size, options.maximum_memory);
  if (initial < options.initial_memory + options.memory_pool_size) {
    notes.push(`initial_memory + memory_pool_size exceed maximum_memory: starting with ${initial} bytes`);
  }
  const initialPages = Math.ceil(initial / WASM_PAGE);
  const maximumPages = options.memory_growth ? Math.floor(options.maximum_memory / WASM_PAGE) : initialPages;
  if (!options.enable_memory_recycling) {
    notes.push("enable_memory_recycling: false is not supported: every model's activations share one arena " +
      "planned from their lifetimes (recycled within each forward), and tensors are freed on dispose()");
  }
  if (!options.work_stealing) {
    notes.push("work_stealing: false is not supported: the thread pool always lets an idle thread take chunks " +
      "from a busy one's part");
  }
  if (options.thread_affinity) {
    notes.push("thread_affinity is not supported: JavaScript engines give no way to pin a thread to a core; " +
      "the operating system schedules the pool's threads");
  }
  if (!options.optimize_for_speed) {
    notes.push("optimize_for_speed: false is not supported: every build runs its fastest kernels " +
      "(referenceKernels: true runs the scalar references, for checking, not for size)");
  }
  return { options, memory: { initialPages, maximumPages }, notes };
}

/** console logging at or above the runtime's log_level. */
export function makeLogger(level) {
  const rank = LOG_LEVELS.indexOf(level);
  const at = (name, fn) => (rank >= LOG_LEVELS.indexOf(name) ? (text) => fn(`wasm-torch: ${text}`) : () => {});
  return {
    error: at("error", console.error),
    warn: at("warn", console.warn),
    info: at("info", console.info),
    verbose: at("verbose", console.debug),
  };
}
