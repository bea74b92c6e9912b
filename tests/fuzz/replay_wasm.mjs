// Replays fuzz inputs through a wasm build in Node, as the native harnesses run them
// (fuzz_common.h): reseal the CRC, load, read the metadata, run at the declared shapes. A wasm
// build has its own libc++ and allocator, so a defect that is harmless natively (a read through
// a dangling reference, say) shows here, and under the ASan build (build/wasm-asan) always.
//   node tests/fuzz/replay_wasm.mjs MODULE.mjs FILE_OR_DIR...
// Prints "# pass N" / "# fail N": an input passes when it gives a model or an error message, and
// fails when the module traps, aborts or reports a sanitizer error.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { crc32 } from "node:zlib";

import { DTYPES } from "../../js/src/tensor.js";

const HEADER_SIZE = 64;
const MAX_FORWARD_ARENA_BYTES = 4 << 20;  // as fuzz_common.h
const MAX_INPUT_ELEMENTS = 1 << 18;
// Typed arrays by dtype code; every input is filled with ones (valid ids for any embedding).
const ARRAYS = Object.fromEntries(Object.values(DTYPES).map(({ code, array }) => [code, array]));

const [modulePath, ...sources] = process.argv.slice(2);
const files = sources.flatMap((s) => statSync(s).isDirectory() ? readdirSync(s).sort().map((f) => `${s}/${f}`) : [s]);
const reports = [];
const m = await (await import(pathToFileURL(resolve(modulePath)).href)).default({
  wasmBinary: readFileSync(modulePath.replace(/\.mjs$/, ".wasm")),
  print: () => {},
  printErr: (line) => { reports.push(line); console.error(line); },
});
const runtime = m._wt_runtime_create(1);
const text = (ptr) => (ptr ? m.UTF8ToString(ptr) : "");

function run(bytes) {
  const file = new Uint8Array(bytes);
  if (file.length >= HEADER_SIZE) new DataView(file.buffer).setUint32(48, crc32(file.subarray(HEADER_SIZE)), true);
  const ptr = m._wt_alloc(Math.max(file.length, 1));
  m.HEAPU8.set(file, ptr);
  const model = m._wt_model_load(runtime, ptr, file.length);  // takes the bytes over
  if (!model) {
    if (!text(m._wt_last_error())) throw new Error("a load failed without a message");
    return "rejected";
  }
  try {
    for (let i = 0; i < m._wt_model_num_inputs(model); ++i) text(m._wt_model_tensor_name(model, 0, i));
    if (m._wt_model_arena_bytes(model) > MAX_FORWARD_ARENA_BYTES) return "loaded";
    const scratch = [];
    try {
      for (let i = 0; i < m._wt_model_num_inputs(model); ++i) {
        const rank = m._wt_model_tensor_rank(model, 0, i);
        const shapePtr = m._wt_model_tensor_shape(model, 0, i);
        const shape = Array.from(new BigInt64Array(m.HEAPU8.buffer, shapePtr, rank), Number);
        const count = shape.reduce((a, b) => a * b, 1);
        const dtype = m._wt_model_tensor_dtype(model, 0, i);
        if (!(count >= 0 && count <= MAX_INPUT_ELEMENTS) || !(dtype in ARRAYS)) return "loaded";
        const Typed = ARRAYS[dtype];
        const bytes = count * Typed.BYTES_PER_ELEMENT;
        const data = m._wt_alloc(Math.max(bytes, 8));
        const shapeCopy = m._wt_alloc(8 * Math.max(rank, 1));
        scratch.push(data, shapeCopy);
        new BigInt64Array(m.HEAPU8.buffer, shapeCopy, rank).set(shape.map(BigInt));
        new Typed(m.HEAPU8.buffer, data, count).fill(Typed === BigInt64Array ? 1n : Typed === Uint16Array ? 0x3c00 : 1);
        if (!m._wt_model_set_input(model, i, data, bytes, dtype, rank, shapeCopy)) return "rejected input";
      }
      if (!m._wt_model_forward(model)) {
        if (!text(m._wt_last_error())) throw new Error("a forward failed without a message");
        return "forward error";
      }
      return "ran";
    } finally {
      scratch.forEach((p) => m._wt_free(p));
    }
  } finally {
    m._wt_model_destroy(model);
  }
}

const outcomes = {};
let failed = 0;
for (const path of files) {
  reports.length = 0;
  let outcome;
  try {
    outcome = run(readFileSync(path));
  } catch (e) {
    outcome = `crash: ${e.message}`;
  }
  if (reports.some((line) => /ERROR: AddressSanitizer|runtime error:/.test(line))) outcome = "sanitizer report";
  if (outcome.startsWith("crash") || outcome === "sanitizer report") {
    failed += 1;
    console.log(`not ok - ${path}: ${outcome}`);
    console.log(reports.slice(0, 30).join("\n"));
    if (outcome.startsWith("crash")) break;  // a trapped module's state is gone
  }
  outcomes[outcome] = (outcomes[outcome] || 0) + 1;
}
console.log(`${files.length} inputs through ${modulePath}: ${JSON.stringify(outcomes)}`);
console.log(`# pass ${files.length - failed}`);
console.log(`# fail ${failed}`);
process.exitCode = failed ? 1 : 0;
