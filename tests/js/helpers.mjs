// Fixtures written by tests/fixtures/make_fixtures.py (make test-js runs it first).
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
