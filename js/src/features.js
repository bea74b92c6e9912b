// Feature detection: which of the builds this engine can run.

// The smallest module using a SIMD128 instruction (i8x16.splat): valid only where SIMD is.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03,
  0x02, 0x01, 0x00, 0x0a, 0x0a, 0x01, 0x08, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x62, 0x0b,
]);

// memory.copy in a module with one page of memory: valid only where bulk memory is. The SIMD
// builds use it (CMakeLists.txt); every engine with SIMD128 has it, and this keeps one that did not
// on the baseline build rather than failing to compile a SIMD one.
const BULK_MEMORY_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x05,
  0x03, 0x01, 0x00, 0x01, 0x0a, 0x0e, 0x01, 0x0c, 0x00, 0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x0a, 0x00, 0x00,
  0x0b,
]);

// f32x4.relaxed_madd over three i8x16.splat vectors: valid only where relaxed SIMD is (Chromium
// 114+; Node 20 only with --experimental-wasm-relaxed-simd).
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00,
  0x0a, 0x13, 0x01, 0x11, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0x41, 0x00, 0xfd, 0x0f, 0xfd, 0x85,
  0x02, 0x0b,
]);

export const isNode = typeof process === "object" && !!(process.versions && process.versions.node);

/**
 * A Node built-in module (`node:${name}`), imported so that bundlers leave it alone: a computed
 * specifier is not followed, so a browser bundle never tries to resolve node:fs.
 */
export function nodeModule(name) {
  return import(/* @vite-ignore */ /* webpackIgnore: true */ `node:${name}`);
}

// Node 20 has no `navigator`; its core count comes from node:os, read once by init() (no top-level
// await: a bundler's worker bundle, iife by default in Vite, cannot have one).
let nodeCores = 0;
export async function detectNodeCores() {
  if (isNode && !nodeCores) nodeCores = (await nodeModule("os")).availableParallelism();
}

function validates(probe) {
  try {
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

export function simdSupported() {
  return validates(SIMD_PROBE) && validates(BULK_MEMORY_PROBE);
}

export function relaxedSimdSupported() {
  return validates(RELAXED_SIMD_PROBE);
}

// Returns null when threads work here, else the reason they do not.
export function threadsUnavailableReason() {
  if (typeof SharedArrayBuffer === "undefined") {
    return isNode ? "SharedArrayBuffer is missing" : "the page is not cross-origin isolated (SharedArrayBuffer is missing)";
  }
  if (!isNode && globalThis.crossOriginIsolated !== true) {
    return "the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)";
  }
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  } catch {
    return "this engine has no WebAssembly threads (shared memory)";
  }
  return null;
}

export function hardwareConcurrency() {
  if (typeof navigator === "object" && navigator.hardwareConcurrency) return navigator.hardwareConcurrency;
  return nodeCores || 1;
}
