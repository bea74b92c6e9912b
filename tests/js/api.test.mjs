// The JavaScript API in Node: variants, load, forward, tensors, errors and cleanup.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { readdirSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import * as channel from "../../js/src/channel.js";
import { relaxedSimdSupported } from "../../js/src/features.js";
import { WASMTorch, Tensor } from "../../js/src/index.js";
import { loadDynamicFixture, loadFixture, maxAbsDiff } from "./helpers.mjs";

// `make test-js` runs this file twice: plain Node 20 (no relaxed SIMD) and with
// --experimental-wasm-relaxed-simd, where the default SIMD builds are the relaxed ones.
const relaxed = relaxedSimdSupported() ? "relaxed-" : "";
const VARIANTS = [
  { options: { threads: 2 }, variant: `${relaxed}simd-threads`, threads: 2, simd: true },
  { options: { threads: 1 }, variant: `${relaxed}simd`, threads: 1, simd: true },
  { options: { threads: 1, relaxedSimd: false }, variant: "simd", threads: 1, simd: true },
  { options: { simd: false, threads: 1 }, variant: "baseline", threads: 1, simd: false },
];

for (const v of VARIANTS) {
  describe(`variant ${v.variant}`, () => {
    let runtime;
    before(async () => { runtime = await WASMTorch.init(v.options); });
    after(() => runtime.dispose());

    test("reports what it runs", () => {
      assert.equal(runtime.variant, v.variant);
      assert.equal(runtime.getThreadCount(), v.threads);
      assert.equal(runtime.hasSIMD(), v.simd);
    });

    for (const name of ["mlp", "cnn"]) {
      test(`${name} matches PyTorch within 1e-4`, async () => {
        const f = loadFixture(name);
        const model = await runtime.loadModel(f.modelBytes);
        assert.deepEqual(model.inputs, [{ name: "x", dtype: "float32", shape: f.input_shape, dims: f.input_shape }]);  // forward(self, x)
        assert.deepEqual(model.symbols, []);
        const x = runtime.createTensor(f.input, f.input_shape);
        let out = await model.forward(x);
        out = Array.isArray(out) ? out : [out];
        assert.equal(out.length, f.expected.length);
        out.forEach((t, k) => {
          assert.ok(t instanceof Tensor);
          assert.deepEqual([...t.shape], f.output_shapes[k]);
          assert.equal(t.dtype, "float32");
          assert.ok(t.data instanceof Float32Array);
          assert.ok(maxAbsDiff(t.data, f.expected[k]) <= f.atol, `output ${k} differs by ${maxAbsDiff(t.data, f.expected[k])}`);
          t.dispose();
        });
        x.dispose();
        model.dispose();
      });
    }

    test("a model with dynamic shapes runs every batch and length from one file", async () => {
      const f = loadDynamicFixture();
      const model = await runtime.loadModel(f.modelBytes);
      assert.deepEqual(model.inputs[0].dims, ["batch", "seq", 8]);
      assert.deepEqual(model.outputs[0].dims, ["batch", "seq - 1", 4]);
      assert.deepEqual(model.symbols.map((s) => s.name), ["batch", "seq"]);
      assert.equal(model.symbols[0].min, 1);
      for (const c of f.cases) {
        const x = runtime.createTensor(c.input, c.input_shape);
        const y = await model.forward(x);
        assert.deepEqual([...y.shape], c.output_shape);
        assert.deepEqual(model.outputs[0].shape, c.output_shape);  // the last forward's
        assert.ok(maxAbsDiff(y.data, c.expected) <= f.atol, `${c.input_shape}: ${maxAbsDiff(y.data, c.expected)}`);
        x.dispose();
        y.dispose();
      }
      const wrong = runtime.createTensor(new Float32Array(2 * 3 * 7), [2, 3, 7]);
      await assert.rejects(model.forward(wrong), /expects float32\[batch, seq, 8\], got float32\[2, 3, 7\]/);
      wrong.dispose();
      model.dispose();
    });
  });
}

describe("API behaviour", () => {
  let runtime;
  before(async () => { runtime = await WASMTorch.init({ threads: 1 }); });
  after(() => runtime.dispose());

  test("loads from a file path, a file URL and bytes", async () => {
    const f = loadFixture("mlp");
    for (const source of [f.modelPath, pathToFileURL(f.modelPath), f.modelBytes.buffer.slice(0)]) {
      const model = await runtime.loadModel(source);
      assert.equal(model.outputs[0].shape.length, 2);
      model.dispose();
    }
  });

  test("bad model files throw a clear Error and the runtime keeps working", async () => {
    const f = loadFixture("mlp");
    const cases = [
      [f.modelBytes.slice(0, 100), /truncated/],
      [new Uint8Array(5000).map((_, i) => (i * 7919) % 251), /wrong magic/],
      [Uint8Array.from([...new TextEncoder().encode("XXXXXXXX"), ...f.modelBytes.slice(8)]), /wrong magic/],
      [(() => { const b = f.modelBytes.slice(); b[b.length - 3] ^= 0xff; return b; })(), /checksum mismatch/],
    ];
    for (const [bytes, message] of cases) {
      await assert.rejects(runtime.loadModel(bytes), (e) => e instanceof Error && message.test(e.message));
    }
    const model = await runtime.loadModel(f.modelBytes);
    const x = runtime.createTensor(f.input, f.input_shape);
    assert.ok(maxAbsDiff((await model.forward(x)).data, f.expected[0]) <= f.atol);
  });

  test("wrong inputs throw and the model still runs", async () => {
    const f = loadFixture("mlp");
    const model = await runtime.loadModel(f.modelBytes);
    const wrongShape = runtime.createTensor(new Float32Array(4 * 20), [4, 20]);
    await assert.rejects(model.forward(wrongShape), /expects float32\[3, 20\], got float32\[4, 20\]/);
    const wrongDtype = runtime.createTensor(new Int32Array(60), [3, 20]);
    await assert.rejects(model.forward(wrongDtype), /got int32\[3, 20\]/);
    const x = runtime.createTensor(f.input, f.input_shape);
    await assert.rejects(model.forward(x, x), /takes 1 input\(s\), got 2/);
    await assert.rejects(model.forward(new Float32Array(60)), /not a Tensor/);
    x.dispose();
    await assert.rejects(model.forward(x), /disposed/);
    const y = runtime.createTensor(f.input, f.input_shape);
    assert.ok(maxAbsDiff((await model.forward(y)).data, f.expected[0]) <= f.atol);
    model.dispose();
    await assert.rejects(model.forward(y), /model was disposed/);
  });

  test("createTensor validates data, shape and dtype", () => {
    assert.throws(() => runtime.createTensor(new Float32Array(5), [2, 3]), /5 values do not fill shape \[2,3\]/);
    assert.throws(() => runtime.createTensor([1, 2], [2], "complex64"), /unknown dtype "complex64" \(one of float32, /);
    assert.throws(() => runtime.createTensor([1, 2], [2], "toString"), /unknown dtype "toString"/);
    assert.throws(() => runtime.createTensor([1, 2], [2.5]), /shape must be an array of non-negative integers, got \[2.5\]/);
    assert.throws(() => runtime.createTensor([1, 2, 3], 3), /shape must be an array of non-negative integers, got 3/);
    assert.throws(() => runtime.createTensor([1, 2], [-2]), /got \[-2\]/);
    assert.throws(() => runtime.createTensor(7, [1]), /data must be an array or a typed array, got 7/);
    const t = runtime.createTensor([1, 2, 3], [3]);
    assert.deepEqual(t.toArray(), [1, 2, 3]);
    assert.equal(t.dtype, "float32");
    t.dispose();
    assert.throws(() => t.data, /disposed/);
    t.dispose(); // idempotent
  });

  test("int64 tensors take numbers and BigInts, and refuse what is not an integer", () => {
    const t = runtime.createTensor([1, 2, 3], [3], "int64");
    assert.deepEqual([...t.data], [1n, 2n, 3n]);
    t.dispose();
    const mixed = runtime.createTensor([-(2 ** 53) + 1, 5n, 2n ** 62n], [3], "int64");
    assert.deepEqual([...mixed.data], [-(2n ** 53n) + 1n, 5n, 2n ** 62n]);
    mixed.dispose();
    assert.throws(() => runtime.createTensor([1, 2.5], [2], "int64"), /int64 value 1 is 2.5, not an integer.*BigInt64Array/);
    assert.throws(() => runtime.createTensor([2 ** 60], [1], "int64"), /int64 value 0 is .*not an integer/);
    assert.throws(() => runtime.createTensor(["1"], [1], "int64"), /int64 value 0 is "1"/);
  });

  test("a tensor of another runtime is refused, not read from the wrong memory", async () => {
    const f = loadFixture("mlp");
    const other = await WASMTorch.init({ threads: 1 });
    const model = await runtime.loadModel(f.modelBytes);
    const foreign = other.createTensor(f.input, f.input_shape);
    await assert.rejects(model.forward(foreign), /input 0 was created by another runtime/);
    const x = runtime.createTensor(f.input, f.input_shape);
    assert.ok(maxAbsDiff((await model.forward(x)).data, f.expected[0]) <= f.atol);
    other.dispose();
    model.dispose();
  });

  test("a one-element stride list applies to both axes (once read through a dangling reference in wasm)", async () => {
    const f = loadFixture("stride_list");
    const model = await runtime.loadModel(f.modelBytes);
    const y = await model.forward(runtime.createTensor(f.input, f.input_shape));
    assert.deepEqual([...y.shape], f.output_shapes[0]);
    assert.ok(maxAbsDiff(y.data, f.expected[0]) <= f.atol, `differs by ${maxAbsDiff(y.data, f.expected[0])}`);
    model.dispose();
  });

  test("memory stats account for loaded models", async () => {
    const before = runtime.getMemoryStats();
    const model = await runtime.loadModel(loadFixture("cnn").modelBytes);
    const stats = runtime.getMemoryStats();
    assert.equal(stats.models, before.models + 1);
    assert.ok(stats.weightBytes > before.weightBytes && stats.arenaBytes > before.arenaBytes);
    assert.ok(stats.heapSize >= stats.weightBytes + stats.arenaBytes);
    assert.equal(stats.fileBytes - before.fileBytes, loadFixture("cnn").modelBytes.length);
    assert.equal(stats.plannedBytes, stats.fileBytes + stats.arenaBytes);
    assert.deepEqual(stats.perModel.at(-1), { fileBytes: model.fileBytes, weightBytes: model.weightBytes,
      arenaBytes: model.arenaBytes, plannedBytes: model.fileBytes + model.arenaBytes });
    model.dispose();
    assert.equal(runtime.getMemoryStats().models, before.models);
  });

  test("memory stats as the guide reads them: heapUsed, peakBytes, live tensors show a leak", async () => {
    const fixture = loadFixture("cnn");
    const model = await runtime.loadModel(fixture.modelBytes);
    const input = runtime.createTensor(fixture.input, fixture.input_shape);
    const base = runtime.getMemoryStats();
    assert.ok(base.heapUsed > 0 && base.peakBytes >= base.heapUsed);
    const kept = [].concat(await model.forward(input));  // outputs not disposed: a leak, visible
    const leaked = runtime.getMemoryStats();
    assert.equal(leaked.liveTensors.count, base.liveTensors.count + kept.length);
    assert.equal(leaked.liveTensors.bytes - base.liveTensors.bytes, kept.reduce((sum, t) => sum + t.byteLength, 0));
    assert.ok(leaked.heapUsed > base.heapUsed && leaked.peakBytes >= leaked.heapUsed);
    kept.forEach((t) => t.dispose());
    const after = runtime.getMemoryStats();
    assert.deepEqual(after.liveTensors, base.liveTensors);
    assert.equal(after.peakBytes, leaked.peakBytes);  // the peak stays
    // The guide's lines, as written.
    const memStats = runtime.getMemoryStats();
    const lines = [`WASM heap used: ${(memStats.heapUsed / 1024 / 1024).toFixed(1)} MB`,
      `Peak allocation: ${(memStats.peakBytes / 1024 / 1024).toFixed(1)} MB`];
    assert.ok(lines.every((l) => /\d+\.\d MB$/.test(l)), lines.join("; "));
    input.dispose();
    model.dispose();
  });

  test("operation profiling times every step while enabled", async () => {
    const fixture = loadFixture("cnn");
    const model = await runtime.loadModel(fixture.modelBytes);
    const input = runtime.createTensor(fixture.input, fixture.input_shape);
    runtime.enableOperationProfiling(true);
    for (let i = 0; i < 2; i++) [].concat(await model.forward(input)).forEach((t) => t.dispose());
    const data = runtime.getProfilingData();
    assert.equal(data.enabled, true);
    const steps = data.operationTimes.filter((s) => s.model === data.operationTimes.at(-1).model);
    assert.ok(steps.length > 0 && steps.every((s) => s.totalMs >= 0 && Math.abs(s.meanMs * 2 - s.totalMs) < 1e-9));
    assert.ok(steps.some((s) => s.op === "conv2d") && Object.values(data.byOp).reduce((a, b) => a + b) > 0);
    // How each step runs, where it can run several ways (the fixture's convolutions: NHWC, on the GEMM panels).
    assert.ok(steps.some((s) => ["winograd", "gemm", "indirect"].includes(s.algorithm)), JSON.stringify(steps));
    assert.ok(steps.every((s) => s.op === "conv2d" || s.algorithm === ""), JSON.stringify(steps));
    // By PyTorch module path, and a console.table-ready list, slowest first.
    const modelProfile = model.getProfilingData();
    const total = (o) => Object.values(o).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total(modelProfile.byModule) - total(modelProfile.byOp)) < 1e-9);
    assert.ok(Object.keys(modelProfile.byModule).every((m) => !m.includes(" (")), Object.keys(modelProfile.byModule));
    const table = modelProfile.table;
    assert.ok(table.every((row, i) => i === 0 || table[i - 1].meanMs >= row.meanMs));
    assert.ok(Math.abs(table.reduce((sum, row) => sum + row.percent, 0) - 100) < 1e-6);
    runtime.enableOperationProfiling(false);
    [].concat(await model.forward(input)).forEach((t) => t.dispose());
    assert.equal(model.getProfilingData().runs, 0);
    input.dispose();
    model.dispose();
  });

  test("benchmark times forwards inside the engine, per op too", async () => {
    const fixture = loadFixture("cnn");
    const model = await runtime.loadModel(fixture.modelBytes);
    const input = runtime.createTensor(fixture.input, fixture.input_shape);
    const result = await model.benchmark(input, { warmup: 2, iterations: 7, repeat: 3 });
    assert.deepEqual([result.iterations, result.warmup, result.repeat, result.timesMs.length], [7, 2, 3, 7]);
    assert.ok(result.minMs > 0 && result.minMs <= result.medianMs && result.medianMs <= result.p90Ms &&
      result.p90Ms <= result.maxMs, JSON.stringify(result));
    assert.ok(Math.abs(result.meanMs - result.timesMs.reduce((a, b) => a + b) / 7) < 1e-9);
    assert.ok(result.byOp.conv2d > 0);  // the per-op pass: `iterations` forwards
    assert.ok(result.operationTimes.every((s) => s.totalMs >= 0 && Math.abs(s.meanMs * 7 - s.totalMs) < 1e-9));
    const plain = await model.benchmark([input], { iterations: 1, operations: false });
    assert.equal(plain.byOp, undefined);
    await assert.rejects(model.benchmark(input, { iterations: 0 }), /iterations must be an integer >= 1/);
    await assert.rejects(model.benchmark(input, { warmups: 3 }), /no option "warmups"/);
    await assert.rejects(model.benchmark([]), /takes 1 input/);
    const outputs = [].concat(await model.forward(input));  // the model still runs, and runs right
    outputs.forEach((o, k) => assert.ok(maxAbsDiff(o.data, fixture.expected[k]) < 1e-4));
    outputs.forEach((o) => o.dispose());
    input.dispose();
    model.dispose();
  });

  test("builds.js names every file of every build in dist/, so bundlers emit them all", async () => {
    const { BUILDS } = await import("../../js/src/builds.js");
    const dist = fileURLToPath(new URL("../../js/dist/", import.meta.url));
    const listed = Object.values(BUILDS).flatMap((files) => Object.values(files)).map((url) => basename(url.pathname));
    assert.deepEqual(listed.sort(), readdirSync(dist).filter((name) => name.startsWith("wasm-torch-")).sort());
    for (const threaded of Object.keys(BUILDS).filter((variant) => variant.endsWith("-threads"))) {
      assert.ok(BUILDS[threaded].worker, `${threaded} has a pthread worker script`);
      const glue = readFileSync(`${dist}wasm-torch-${threaded}.mjs`, "utf8");
      assert.equal((glue.match(/new Worker\([^;]*\{ type: "module" \}\)/g) || []).length, 2, "pthread workers start as modules");
    }
  });

  test("chooseVariant explains fallbacks", () => {
    const choice = WASMTorch.chooseVariant({ simd: false, threads: 4 });
    assert.equal(choice.variant, "baseline");
    assert.equal(choice.threads, 1);
    assert.match(choice.notes.join(" "), /threads need the SIMD build/);
    assert.throws(() => WASMTorch.chooseVariant({ threads: 0 }), /positive integer/);
  });
});

// A script that never calls dispose() still ends: the pool's worker_threads do not hold Node open.
// (A liveness check, not a timing: the limit is a minute for a script that needs well under a second.)
test("a Node script with a threaded runtime exits without dispose()", async () => {
  const { spawn } = await import("node:child_process");
  const index = pathToFileURL(new URL("../../js/src/index.js", import.meta.url).pathname).href;
  const mlp = loadFixture("mlp");
  const script = `
    import { WASMTorch } from ${JSON.stringify(index)};
    const runtime = await WASMTorch.init({ threads: 2 });
    const model = await runtime.loadModel(new Uint8Array(${JSON.stringify([...mlp.modelBytes])}));
    const y = await model.forward(runtime.createTensor(new Float32Array(${JSON.stringify([...mlp.input])}), ${JSON.stringify(mlp.input_shape)}));
    console.log(runtime.getThreadCount(), y.data.length);`;
  const child = spawn(process.execPath, [...process.execArgv, "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (chunk) => { out += chunk; });
  const code = await new Promise((resolve) => {
    const timer = setTimeout(() => { child.kill(); resolve("still running after 60 s"); }, 60_000);
    child.on("exit", (c) => { clearTimeout(timer); resolve(c); });
  });
  assert.equal(code, 0);
  assert.equal(out.trim(), `2 ${mlp.expected[0].length}`);
});

describe("the guide's init options: real, or reported unsupported; unknown ones are errors", () => {
  const MIB = 1024 * 1024;

  // fn's value, and what it printed through console.warn.
  async function withWarnings(fn) {
    const warnings = [];
    const original = console.warn;
    console.warn = (text) => warnings.push(String(text));
    try {
      return { value: await fn(), warnings };
    } finally {
      console.warn = original;
    }
  }

  test("an unknown or misspelt option throws and names the known ones", async () => {
    await assert.rejects(WASMTorch.init({ memoryGrowth: false }), /unknown init option memoryGrowth .*memory_growth/);
    await assert.rejects(WASMTorch.init({ thread: 2, simd: true }), /unknown init option thread /);
    await assert.rejects(WASMTorch.init({ memory_growth: "yes" }), /memory_growth must be true or false/);
    await assert.rejects(WASMTorch.init({ initial_memory: 1024 }), /initial_memory must be a whole number of bytes from 33554432/);
    await assert.rejects(WASMTorch.init({ maximum_memory: 4097 * MIB }), /maximum_memory must be .* to 4294967296/);
    await assert.rejects(WASMTorch.init({ log_level: "loud" }), /log_level must be one of silent, error, warn, info, verbose/);
  });

  test("initial_memory and memory_pool_size size the memory the runtime starts with", async () => {
    const runtime = await WASMTorch.init({ threads: 1, initial_memory: 64 * MIB, memory_pool_size: 16 * MIB });
    assert.equal(runtime.getMemoryStats().heapSize, 80 * MIB);
    runtime.dispose();
    const small = await WASMTorch.init({ threads: 2 });
    assert.equal(small.getMemoryStats().heapSize, 32 * MIB);
    small.dispose();
  });

  for (const [name, options] of [["memory_growth: false", { memory_growth: false }],
    ["maximum_memory", { maximum_memory: 48 * MIB }]]) {
    test(`${name} bounds the memory: a larger model is an out-of-memory error, then a small one runs`, async () => {
      const { value: runtime } = await withWarnings(() => WASMTorch.init({ threads: 1, log_level: "silent", ...options }));
      const fixture = loadFixture("cnn");
      // 64 MiB of bytes: more than the memory may hold, refused before it is parsed.
      await assert.rejects(runtime.loadModel(new Uint8Array(64 * MIB)), /memory|allocat/i);
      const model = await runtime.loadModel(fixture.modelBytes);
      const input = runtime.createTensor(fixture.input, fixture.input_shape);
      const outputs = [].concat(await model.forward(input));
      outputs.forEach((o, k) => assert.ok(maxAbsDiff(o.data, fixture.expected[k]) < 1e-4));
      assert.ok(runtime.getMemoryStats().heapSize <= (options.maximum_memory || 32 * MIB));
      runtime.dispose();
    });
  }

  test("values the runtime cannot honour are notes and warnings, never silently dropped", async () => {
    const { value: runtime, warnings } = await withWarnings(() => WASMTorch.init({
      threads: 1, thread_affinity: true, work_stealing: false, enable_memory_recycling: false, optimize_for_speed: false }));
    for (const pattern of [/thread_affinity is not supported/, /work_stealing: false is not supported/,
      /enable_memory_recycling: false is not supported/, /optimize_for_speed: false is not supported/]) {
      assert.ok(runtime.notes.some((n) => pattern.test(n)), `${pattern} in ${runtime.notes}`);
      assert.ok(warnings.some((w) => pattern.test(w)), `${pattern} warned`);
    }
    runtime.dispose();
    const quiet = await withWarnings(() => WASMTorch.init({ threads: 1, thread_affinity: true, log_level: "silent" }));
    assert.equal(quiet.warnings.length, 0);
    assert.ok(quiet.value.notes.length > 0);  // still reported, only not printed
    quiet.value.dispose();
  });

  test("profiling: true profiles from the start; debug: true logs every forward", async () => {
    const logged = [];
    const original = console.debug;
    console.debug = (text) => logged.push(String(text));
    try {
      const runtime = await WASMTorch.init({ threads: 1, profiling: true, debug: true });
      const fixture = loadFixture("cnn");
      const model = await runtime.loadModel(fixture.modelBytes);
      const input = runtime.createTensor(fixture.input, fixture.input_shape);
      [].concat(await model.forward(input)).forEach((t) => t.dispose());
      const data = runtime.getProfilingData();
      assert.equal(data.enabled, true);
      assert.ok(data.operationTimes.some((s) => s.op === "conv2d" && s.totalMs >= 0));
      assert.ok(logged.some((l) => /forward: [\d.]+ ms/.test(l)), logged.join("\n"));
      runtime.dispose();
    } finally {
      console.debug = original;
    }
  });
});

test("inputs by name, outputs in the structure the PyTorch model returned", async () => {
  const { readFileSync } = await import("node:fs");
  const fixture = JSON.parse(readFileSync(new URL("../../build/fixtures/named.json", import.meta.url), "utf8"));
  const runtime = await WASMTorch.init({ threads: 1 });
  const model = await runtime.loadModel(new URL("../../build/fixtures/named.wtm", import.meta.url));
  assert.deepEqual(model.inputNames, ["image", "scale"]);
  assert.equal(model.outputNames.length, 3);
  const image = runtime.createTensor(new Float32Array(fixture.image), [2, 3]);
  const scale = runtime.createTensor(new Float32Array(fixture.scale), [1]);
  const check = (out) => {
    assert.deepEqual(Object.keys(out), ["scaled", "parts"]);
    assert.deepEqual(Array.from(out.scaled.data), fixture.scaled);
    assert.ok(Array.isArray(out.parts) && out.parts.length === 2);
    assert.deepEqual(Array.from(out.parts[0].data), fixture.plus_one);
    assert.deepEqual(Array.from(out.parts[1].data), fixture.sums);
  };
  check(await model.forward({ scale, image }));  // by name, any order
  check(await model.forward(image, scale));      // by position
  await assert.rejects(model.forward({ image }), /input scale missing \(its inputs: image, scale\)/);
  await assert.rejects(model.forward({ image, scale, bias: scale }), /no input named bias/);
  const bench = await model.benchmark({ image, scale }, { iterations: 2, operations: false });
  assert.equal(bench.timesMs.length, 2);
  runtime.dispose();
});

// Worker mode's forward channel (js/src/channel.js) runs in browsers only; its encoding is plain code.
test("the forward channel's tensor table and reply stamp read back what was written", () => {
  // A payload at an offset in its buffer, as a block of the runtime's memory is.
  const control = new SharedArrayBuffer(channel.kControlBytes);
  const payload = channel.payloadView({ buffer: new SharedArrayBuffer(512), address: 64, bytes: 256 });
  const tensors = [
    { data: Float32Array.from([1.5, -2, 3]), shape: [3], dtype: "float32" },
    { data: BigInt64Array.from([7n, -9n]), shape: [1, 2], dtype: "int64" },
    { data: new Uint8Array([1, 0, 1, 1, 0]), shape: [5], dtype: "bool" },
  ];
  assert.equal(channel.payloadBytes(tensors), 16 + 16 + 8);  // each at a multiple of 8 bytes
  assert.ok(channel.writeTensors(control, payload, tensors));
  const read = channel.readTensors(control, payload);
  assert.deepEqual(read.map((t) => [t.dtype, t.shape, Array.from(t.data)]), tensors.map((t) => [t.dtype, t.shape, Array.from(t.data)]));
  assert.equal(channel.writeTensors(control, payload, [{ ...tensors[0], shape: new Array(2000).fill(1) }]), false);
  // A table that places a tensor past the payload's end is refused, never read beyond it.
  assert.ok(channel.writeTensors(control, payload, [{ data: new Float32Array(64), shape: [64], dtype: "float32" }]));
  new Int32Array(control)[10] = 8;  // the first tensor's byte offset: 8 + 256 > 256
  assert.throws(() => channel.readTensors(control, payload), /tensor 0 \(256 bytes at 8\) lies outside its 256-byte payload/);

  const before = performance.now();
  channel.stampReply(control);
  const stamped = channel.replyTime(control);
  assert.ok(before <= stamped && stamped <= performance.now(), `${before} ${stamped}`);
});
