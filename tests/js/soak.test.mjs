// Long runs in Node, untimed: many forwards and load/dispose cycles leave the heap as they found
// it, an over-large model is an out-of-memory error the runtime survives, and forwards in
// flight together give what they give one at a time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { WASMTorch } from "../../js/src/index.js";
import { FIXTURES, assertHeapFlat, loadDynamicFixture, loadFixture, maxAbsDiff } from "./helpers.mjs";

const MIB = 1024 * 1024;

// What must come back to its level (assertHeapFlat).
function heap(runtime) {
  const { heapSize, heapUsed, liveBuffers } = runtime.getMemoryStats();
  return { heapSize, heapUsed, liveBuffers };
}

// Each test disposes its runtime whatever its outcome: its threads and memory go with it.
async function withRuntime(options, fn) {
  const runtime = await WASMTorch.init(options);
  try {
    await fn(runtime);
  } finally {
    runtime.dispose();
  }
}

for (const threads of [1, 2]) {
  describe(`soak, ${threads} thread(s)`, () => {
    test("10,000 forwards leave the heap as they found it", () => withRuntime({ threads }, async (runtime) => {
      const f = loadFixture("mlp");
      const model = await runtime.loadModel(f.modelBytes);
      const x = runtime.createTensor(f.input, f.input_shape);
      (await model.forward(x)).dispose();  // first-use allocations (thread pool, lazy tables)
      const before = heap(runtime);
      let last;
      for (let i = 0; i < 10000; ++i) {
        const y = await model.forward(x);
        if (i === 9999) last = Float32Array.from(y.data);
        y.dispose();
      }
      assertHeapFlat(heap(runtime), before, 10000);
      assert.ok(maxAbsDiff(last, f.expected[0]) <= f.atol);
    }));

    test("1,000 load/forward/dispose cycles leave the heap as they found it", () => withRuntime({ threads }, async (runtime) => {
      const mlp = loadFixture("mlp");
      const dynamic = loadDynamicFixture();
      const cycle = async () => {
        const a = await runtime.loadModel(mlp.modelBytes);
        const b = await runtime.loadModel(dynamic.modelBytes);
        const x = runtime.createTensor(mlp.input, mlp.input_shape);
        const y = await a.forward(x);
        for (const c of dynamic.cases.slice(0, 2)) {  // two shapes: a second plan, a grown arena
          const t = runtime.createTensor(c.input, c.input_shape);
          (await b.forward(t)).dispose();
          t.dispose();
        }
        const error = maxAbsDiff(y.data, mlp.expected[0]);
        [x, y, a, b].forEach((o) => o.dispose());
        return error;
      };
      await cycle();
      const before = heap(runtime);
      for (let i = 0; i < 1000; ++i) assert.ok((await cycle()) <= mlp.atol);
      assertHeapFlat(heap(runtime), before, 1000);
    }));

    // Its 2 GiB arena fits the default 4 GiB memory; a memory bounded at 2 GiB cannot hold it beside anything.
    test("an over-large model is an out-of-memory error, and the runtime then loads and runs a good model", () => withRuntime({ threads, maximum_memory: 2048 * MIB }, async (runtime) => {
      const f = loadFixture("mlp");
      await assert.rejects(runtime.loadModel(`${FIXTURES}oversize.wtm`),
        /out of memory: could not allocate the 2147418240-byte activation arena/);
      const before = heap(runtime);
      for (let i = 0; i < 64; ++i) await assert.rejects(runtime.loadModel(`${FIXTURES}oversize.wtm`), /out of memory/);
      assertHeapFlat(heap(runtime), before, 64);
      const model = await runtime.loadModel(f.modelBytes);
      const y = await model.forward(runtime.createTensor(f.input, f.input_shape));
      assert.ok(maxAbsDiff(y.data, f.expected[0]) <= f.atol);
    }));

    test("forwards in flight together on one model and on two give the sequential results", () => withRuntime({ threads }, async (runtime) => {
      const f = loadFixture("mlp");
      const dynamic = loadDynamicFixture();
      const [a, b] = [await runtime.loadModel(f.modelBytes), await runtime.loadModel(dynamic.modelBytes)];
      const inputs = Array.from({ length: 16 }, (_, k) => runtime.createTensor(f.input.map((v) => v * (1 + k / 8)), f.input_shape));
      const shaped = dynamic.cases.map((c) => runtime.createTensor(c.input, c.input_shape));
      const copy = (t) => Float32Array.from(t.data);
      const sequentialA = [];
      for (const x of inputs) sequentialA.push(copy(await a.forward(x)));
      const sequentialB = [];
      for (const x of shaped) sequentialB.push(copy(await b.forward(x)));
      const together = await Promise.all([...inputs.map((x) => a.forward(x)), ...shaped.map((x) => b.forward(x)),
        ...inputs.map((x) => a.forward(x))]);
      const got = together.map(copy);
      got.slice(0, 16).forEach((y, k) => assert.deepEqual(y, sequentialA[k]));
      got.slice(16, 16 + shaped.length).forEach((y, k) => assert.deepEqual(y, sequentialB[k]));
      got.slice(16 + shaped.length).forEach((y, k) => assert.deepEqual(y, sequentialA[k]));
    }));
  });
}
