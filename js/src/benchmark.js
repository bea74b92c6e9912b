// Model.benchmark's options and statistics, shared by the direct runtime (index.js) and the
// worker runtime's page side (remote.js), which checks options before sending them.

/** Timing statistics of forwards timed one by one (ms): what Model.benchmark resolves to. */
export function summarizeTimes(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return {
    medianMs: sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2,
    p90Ms: at(0.9),
    meanMs: times.reduce((sum, t) => sum + t, 0) / times.length,
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
  };
}

/** Model.benchmark's options, checked: an unknown or malformed one is an error, never ignored. */
export function benchmarkOptions(options = {}) {
  const known = { warmup: 5, iterations: 50, repeat: 1, operations: true };
  for (const key of Object.keys(options)) {
    if (!(key in known)) throw new Error(`wasm-torch: benchmark has no option "${key}" (options: ${Object.keys(known).join(", ")})`);
  }
  const merged = { ...known, ...options };
  for (const [key, min] of [["warmup", 0], ["iterations", 1], ["repeat", 1]]) {
    if (!Number.isInteger(merged[key]) || merged[key] < min) {
      throw new Error(`wasm-torch: benchmark option ${key} must be an integer >= ${min}, got ${merged[key]}`);
    }
  }
  merged.operations = Boolean(merged.operations);
  return merged;
}
