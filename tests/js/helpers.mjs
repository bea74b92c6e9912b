// Fixtures written by tests/fixtures/make_fixtures.py (make test-js runs it first).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const FIXTURES = fileURLToPath(new URL("../../build/fixtures/", import.meta.url));

export function loadFixture(name) {
  const meta = JSON.parse(readFileSync(`${FIXTURES}${name}.json`, "utf8"));
  const floats = (file) => new Float32Array(new Uint8Array(readFileSync(`${FIXTURES}${file}`)).buffer);
  return {
    ...meta,
    modelPath: `${FIXTURES}${name}.wtm`,
    modelBytes: new Uint8Array(readFileSync(`${FIXTURES}${name}.wtm`)),
    input: floats(`${name}.input.bin`),
    expected: meta.output_shapes.map((_, k) => floats(`${name}.expected.${k}.bin`)),
  };
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// The dynamic-shape fixture: one model file and inputs/expected outputs at several shapes.
export function loadDynamicFixture() {
  const meta = JSON.parse(readFileSync(`${FIXTURES}dynamic.json`, "utf8"));
  const floats = (file) => new Float32Array(new Uint8Array(readFileSync(`${FIXTURES}${file}`)).buffer);
  return {
    ...meta,
    modelBytes: new Uint8Array(readFileSync(`${FIXTURES}dynamic.wtm`)),
    cases: meta.cases.map((c, k) => ({ ...c, input: floats(`dynamic.${k}.input.bin`), expected: floats(`dynamic.${k}.expected.bin`) })),
  };
}

// A soak's end state against its start: the wasm memory and the runtime's buffers back to their
// level exactly, the heap's bytes in use to within less than a byte per cycle (a thread's first
// use of the C library allocates a few bytes of its own, whenever the scheduler first runs it).
export function assertHeapFlat(after, before, cycles) {
  assert.equal(after.heapSize, before.heapSize, "wasm memory grew");
  assert.equal(after.liveBuffers, before.liveBuffers, "buffers left behind");
  const grown = after.heapUsed - before.heapUsed;
  assert.ok(grown >= 0 && grown < cycles, `heap in use grew by ${grown} bytes over ${cycles} cycles`);
}
