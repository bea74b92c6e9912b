// End to end in headless Chromium and Firefox ESR: the package served as-is from 127.0.0.1, with and
// without cross-origin isolation, against fixtures exported from PyTorch. Chromium's pages are driven
// by playwright-core; Firefox's (no driver here) through js/tools/firefox.mjs's bridge, which runs
// the same page.evaluate functions.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { launchBrowser } from "../../js/tools/browser.mjs";
import { FIREFOX, firefoxInstalled, launchFirefox } from "../../js/tools/firefox.mjs";
import { startServer } from "../../js/tools/server.mjs";
import { assertHeapFlat } from "../js/helpers.mjs";

let browser;  // the engine's under test (each engine's suite sets it)

async function openPage(server) {
  const page = await browser.newPage(`${server.url}/tests/e2e/page.html`, server);
  await page.waitForFunction(() => window.pageReady === true);
  return page;
}

// Runs fixture `name` in the page with init `options`; returns what the page saw.
function runFixture(page, name, options) {
  return page.evaluate(async ({ name, options }) => {
    const meta = await (await fetch(`/build/fixtures/${name}.json`)).json();
    const runtime = await WASMTorch.init(options);
    const model = await runtime.loadModel(`/build/fixtures/${name}.wtm`);
    const x = runtime.createTensor(await fetchFloats(`/build/fixtures/${name}.input.bin`), meta.input_shape);
    let out = await model.forward(x);
    out = Array.isArray(out) ? out : [out];
    const errors = [];
    for (let k = 0; k < out.length; k++) {
      const expected = await fetchFloats(`/build/fixtures/${name}.expected.${k}.bin`);
      let m = 0;
      out[k].data.forEach((v, i) => { m = Math.max(m, Math.abs(v - expected[i])); });
      errors.push(m);
    }
    const result = {
      isolated: crossOriginIsolated, variant: runtime.variant, threads: runtime.getThreadCount(), worker: runtime.worker === true,
      channel: runtime.workerChannel, simd: runtime.hasSIMD(), int8Dot: runtime.int8Dot, notes: runtime.notes, errors,
      atol: meta.atol,
      shapes: out.map((t) => [...t.shape]), expectedShapes: meta.output_shapes,
    };
    runtime.dispose();
    return result;
  }, { name, options });
}

// Whether the page's main thread stays free while 100 forwards of long_forward (milliseconds each)
// run, in the default mode and with worker: false: a message-channel loop on the main thread counts
// the forwards it turned during (main_thread_watch.js). On the main thread a forward computes before
// it resolves and no turn gets in; from a worker, the page sleeps until the reply is nearly due
// (channel.js) and the loop turns meanwhile. Counts, not times: the longest gaps are only reported
// (on this shared host a stall of tens of ms can land in either mode).
async function assertMainThreadFree(t, page, threads) {
  const forwards = 100;
  const seen = await page.evaluate(async ({ threads, forwards }) => {
    const meta = await (await fetch("/build/fixtures/long_forward.json")).json();
    const input = await fetchFloats("/build/fixtures/long_forward.input.bin");
    const watch = async (options) => {
      const runtime = await WASMTorch.init({ threads, ...options });
      const model = await runtime.loadModel("/build/fixtures/long_forward.wtm");
      const x = runtime.createTensor(input, meta.input_shape);
      const forward = async () => [].concat(await model.forward(x)).forEach((y) => y.dispose());
      for (let i = 0; i < 3; ++i) await forward();
      const { watchMainThread } = await import("/js/tools/main_thread_watch.js");
      const { longestGapMs, forwardMs, forwardsWithTurns } = await watchMainThread(forward, forwards);
      runtime.dispose();
      return { longestGapMs, forwardMs, forwardsWithTurns, worker: runtime.worker === true };
    };
    return { auto: await watch({}), direct: await watch({ worker: false }) };
  }, { threads, forwards });
  const { auto, direct } = seen;
  t.diagnostic(`forwards the main thread's loop turned during: ${auto.forwardsWithTurns} of ${forwards} in worker ` +
    `mode, ${direct.forwardsWithTurns} with worker: false; a forward ${auto.forwardMs.toFixed(2)} and ` +
    `${direct.forwardMs.toFixed(2)} ms; longest gap ${auto.longestGapMs.toFixed(2)} and ${direct.longestGapMs.toFixed(2)} ms`);
  assert.equal(auto.worker, true);
  assert.equal(direct.worker, false);
  // The direct mode's zero shows that the count tells the two apart.
  assert.equal(direct.forwardsWithTurns, 0);
  // Not all: with the worker's threads busy on this host's 2 cores, the page's thread may not be
  // scheduled during a forward.
  assert.ok(auto.forwardsWithTurns >= 0.5 * forwards,
    `the main thread turned during ${auto.forwardsWithTurns} of ${forwards} forwards in worker mode`);
}

for (const [engine, launch] of [["Chromium", launchBrowser], ["Firefox", launchFirefox]]) {
describe(engine, { skip: engine === "Firefox" && !firefoxInstalled() && `${FIREFOX} is not installed (scripts/setup.sh installs it)` }, () => {
  before(async () => { browser = await launch(); });
  after(async () => { await browser.close(); });

  describe("cross-origin isolated page", () => {
    let server;
    let page;
    before(async () => { server = await startServer({ isolated: true }); page = await openPage(server); });
    after(async () => { await page.close(); await server.close(); });

    // Chromium has relaxed SIMD, so the default SIMD builds are the relaxed ones.
    for (const [options, variant, threads] of [[{ threads: 2 }, "relaxed-simd-threads", 2], [{ threads: 1 }, "relaxed-simd", 1],
      [{ threads: 2, relaxedSimd: false }, "simd-threads", 2], [{ threads: 1, relaxedSimd: false }, "simd", 1],
      [{ simd: false, threads: 1 }, "baseline", 1]]) {
      for (const name of ["mlp", "cnn"]) {
        test(`${name} on ${variant} matches PyTorch`, async () => {
          const r = await runFixture(page, name, options);
          assert.equal(r.isolated, true);
          assert.equal(r.variant, variant);
          assert.equal(r.threads, threads);
          // Chromium's relaxed int8 dot passes the runtime's exactness probe (Node 20's does not).
          assert.equal(r.int8Dot, variant.startsWith("relaxed") ? "relaxed" : variant === "baseline" ? "scalar" : "simd128");
          assert.equal(r.worker, true, "on a page's main thread the runtime runs in a Worker");
          assert.deepEqual(r.shapes, r.expectedShapes);
          for (const e of r.errors) assert.ok(e <= r.atol, `max error ${e} > ${r.atol}`);
        });
      }
    }

    test("threads: 'auto' uses the cores the browser reports", async () => {
      const r = await runFixture(page, "mlp", {});
      const cores = await page.evaluate(() => navigator.hardwareConcurrency);
      assert.equal(r.threads, Math.min(cores, 4));
    });

    for (const threads of [1, 2]) {
      test(`the default mode keeps the page's main thread free during forwards (${threads} thread(s))`, async (t) => {
        await assertMainThreadFree(t, page, threads);
      });
    }

    test("worker: false keeps a threaded runtime on the main thread", async () => {
      const r = await runFixture(page, "cnn", { threads: 2, worker: false });
      assert.equal(r.worker, false);
      assert.equal(r.threads, 2);
      for (const e of r.errors) assert.ok(e <= r.atol);
    });

    test("worker mode reports memory and operation profiles through Promises", async () => {
      const r = await page.evaluate(async () => {
        const runtime = await WASMTorch.init({ threads: 2 });
        const { model, x } = await loadCnn(runtime);
        runtime.enableOperationProfiling(true);
        await model.forward(x);
        const profile = await runtime.getProfilingData();
        const stats = await runtime.getMemoryStats();
        runtime.dispose();
        return { worker: runtime.worker, ops: profile.operationTimes.map((s) => s.op), planned: stats.plannedBytes,
          file: stats.fileBytes, modelFile: model.fileBytes, table: profile.table, peak: stats.peakBytes,
          tensors: stats.liveTensors };
      });
      assert.equal(r.worker, true);
      assert.ok(r.ops.includes("conv2d"), r.ops.join(","));
      assert.ok(r.table.length > 0 && r.table.every((row) => typeof row.module === "string" && row.percent >= 0));
      assert.ok(r.peak > 0 && r.tensors.count >= 0);  // the same shape as direct mode's
      assert.ok(r.planned > r.file && r.file === r.modelFile && r.file > 0);
    });

    test("model.benchmark runs in the worker: no message per forward, per-op times, checked options", async () => {
      const r = await page.evaluate(async () => {
        const runtime = await WASMTorch.init({ threads: 2 });
        const { model, x } = await loadCnn(runtime);
        const result = await model.benchmark(x, { warmup: 3, iterations: 20, repeat: 5 });
        // The same forwards timed from the page, each one a round trip to the worker.
        const start = performance.now();
        for (let i = 0; i < 100; i++) [].concat(await model.forward(x));
        const pageMs = (performance.now() - start) / 100;
        let error = "";
        try { await model.benchmark(x, { iterations: -1 }); } catch (e) { error = e.message; }
        runtime.dispose();
        return { worker: runtime.worker, result, pageMs, error };
      });
      assert.equal(r.worker, true);
      const b = r.result;
      assert.equal(b.timesMs.length, 20);
      assert.ok(b.minMs > 0 && b.minMs <= b.medianMs && b.medianMs <= b.p90Ms && b.p90Ms <= b.maxMs, JSON.stringify(b));
      assert.ok(b.byOp.conv2d > 0, JSON.stringify(b.byOp));
      assert.match(r.error, /iterations must be an integer >= 1/);
      console.log(`cnn fixture in a worker: benchmark median ${b.medianMs.toFixed(4)} ms, from the page ${r.pageMs.toFixed(4)} ms a forward`);
    });

    test("init options reach the worker: memory sizes, notes; an unknown option throws on the page", async () => {
      const r = await page.evaluate(async () => {
        let unknown = "";
        try { await WASMTorch.init({ threads: 2, memoryGrowth: false }); } catch (e) { unknown = e.message; }
        const runtime = await WASMTorch.init({ threads: 2, initial_memory: 96 * 1024 * 1024, thread_affinity: true,
          log_level: "silent" });
        const stats = await runtime.getMemoryStats();
        runtime.dispose();
        return { unknown, worker: runtime.worker, heap: stats.heapSize, notes: runtime.notes };
      });
      assert.match(r.unknown, /unknown init option memoryGrowth/);
      assert.equal(r.worker, true);
      assert.equal(r.heap, 96 * 1024 * 1024);
      assert.ok(r.notes.some((n) => /thread_affinity is not supported/.test(n)), r.notes.join("; "));
    });

    test("worker mode takes inputs by name and returns the model's output structure", async () => {
      const r = await page.evaluate(async () => {
        const fixture = await (await fetch("/build/fixtures/named.json")).json();
        const runtime = await WASMTorch.init({ threads: 2 });
        const model = await runtime.loadModel("/build/fixtures/named.wtm");
        const image = runtime.createTensor(new Float32Array(fixture.image), [2, 3]);
        const scale = runtime.createTensor(new Float32Array(fixture.scale), [1]);
        const out = await model.forward({ scale, image });
        runtime.dispose();
        return { fixture, worker: runtime.worker, names: model.inputNames, keys: Object.keys(out),
          scaled: Array.from(out.scaled.data), plusOne: Array.from(out.parts[0].data), sums: Array.from(out.parts[1].data) };
      });
      assert.equal(r.worker, true);
      assert.deepEqual(r.names, ["image", "scale"]);
      assert.deepEqual(r.keys, ["scaled", "parts"]);
      assert.deepEqual([r.scaled, r.plusOne, r.sums], [r.fixture.scaled, r.fixture.plus_one, r.fixture.sums]);
    });

    test("worker mode runs a dynamic-shape model at every fixture shape", async () => {
      const r = await page.evaluate(async () => {
        const runtime = await WASMTorch.init({ threads: 2 });
        const model = await runtime.loadModel("/build/fixtures/dynamic.wtm");
        const meta = await (await fetch("/build/fixtures/dynamic.json")).json();
        const seen = [];
        for (const [k, c] of meta.cases.entries()) {
          const x = runtime.createTensor(await fetchFloats(`/build/fixtures/dynamic.${k}.input.bin`), c.input_shape);
          const y = await model.forward(x);
          const expected = await fetchFloats(`/build/fixtures/dynamic.${k}.expected.bin`);
          let error = 0;
          for (let i = 0; i < expected.length; i++) error = Math.max(error, Math.abs(y.data[i] - expected[i]));
          seen.push({ shape: [...y.shape], want: c.output_shape, reported: [...model.outputs[0].shape], error });
        }
        runtime.dispose();
        return { worker: runtime.worker, dims: model.inputs[0].dims, symbols: model.symbols.map((s) => s.name), seen,
          atol: meta.atol };
      });
      assert.equal(r.worker, true);
      assert.deepEqual(r.dims, ["batch", "seq", 8]);
      assert.deepEqual(r.symbols, ["batch", "seq"]);
      for (const c of r.seen) {
        assert.deepEqual(c.shape, c.want);
        assert.deepEqual(c.reported, c.want);
        assert.ok(c.error <= r.atol, `${c.want}: ${c.error}`);
      }
    });

    // At 1 thread on this 2-core machine the page watches the channel for replies (remote.js): at
    // once after a short forward, from shortly before a longer one's reply is due after that.
    for (const threads of [1, 2]) test(`worker mode's forward channel at ${threads} thread(s): outputs and inputs past its payload, errors, messages between forwards, dispose`, async (t) => {
      const r = await page.evaluate(async (threads) => {
        const runtime = await WASMTorch.init({ threads });
        const model = await runtime.loadModel("/build/fixtures/outer.wtm");
        // x [rows, n] with values k/7 - 1 (exact in float32); the page computes each outer product.
        const input = (rows, n) => runtime.createTensor(Float32Array.from({ length: rows * n }, (_, k) => (k % 13) / 7 - 1), [rows, n]);
        const wrong = (x, y) => {
          const [rows, n] = x.shape;
          if (y.shape.join() !== [rows, n, n].join()) return `shape ${y.shape}`;
          let bad = 0;
          for (let b = 0; b < rows; b++) {
            for (let i = 0; i < n; i++) {
              for (let j = 0; j < n; j++) bad += y.data[(b * n + i) * n + j] !== Math.fround(x.data[b * n + i] * x.data[b * n + j]);
            }
          }
          return bad;
        };
        const checks = [];
        // 8 B, then 720 KB out (past the first 64 KiB payload), again, then 80 KB in (past it too),
        // then 9 MB out twice (a forward of milliseconds: the second is expected to take as long).
        for (const [rows, n] of [[1, 2], [2, 300], [2, 300], [5000, 4], [1, 1500], [1, 1500], [1, 2]]) {
          const x = input(rows, n);
          checks.push([rows, n, wrong(x, await model.forward(x))]);
        }
        let error = "";
        try {
          await model.forward(runtime.createTensor(new Float32Array(8), [2, 2, 2]));
        } catch (e) {
          error = e.message;
        }
        const x = input(3, 50);
        // Messages between forwards in flight, answered while the worker serves the channel.
        const [a, stats, b] = await Promise.all([model.forward(x), runtime.getMemoryStats(), model.forward(x)]);
        // A forward then at once dispose: the forward still runs, a later one is refused.
        const last = model.forward(x);
        model.dispose();
        const lastWrong = wrong(x, await last);
        let afterDispose = "";
        try {
          await model.forward(x);
        } catch (e) {
          afterDispose = e.message;
        }
        // The threaded builds' memory is shared: there the payload is a block of it (channel.js).
        const payloadInMemory = Boolean(runtime._rpc.forwards && runtime._rpc.forwards._payload.memory);
        runtime.dispose();
        return { channel: runtime.workerChannel, expected: crossOriginIsolated && typeof Atomics.waitAsync === "function",
          payloadInMemory, checks, error, together: [wrong(x, a), wrong(x, b)], liveBuffers: stats.liveBuffers, lastWrong, afterDispose };
      }, threads);
      t.diagnostic(`forward channel: ${r.channel}`);
      assert.equal(r.channel, r.expected ? "shared-memory" : "messages");
      if (engine === "Chromium") {
        assert.equal(r.channel, "shared-memory");
        assert.equal(r.payloadInMemory, threads > 1);
      }
      for (const [rows, n, bad] of r.checks) assert.equal(bad, 0, `outer [${rows}, ${n}]`);
      assert.match(r.error, /expects float32\[rows, n\], got float32\[2, 2, 2\]/);
      assert.deepEqual(r.together, [0, 0]);
      assert.equal(typeof r.liveBuffers, "number");
      assert.equal(r.lastWrong, 0);
      assert.match(r.afterDispose, /this model was disposed/);
    });

    // Untimed soak, out-of-memory and concurrency checks: in the default worker mode and on the page's thread.
    for (const [options, mode] of [[{ threads: 2 }, "worker mode"], [{ threads: 1, worker: false }, "the main thread"]]) {
      test(`${mode}: 10,000 forwards and 1,000 load/dispose cycles leave the heap as they found it`, async () => {
        const r = await page.evaluate(async (options) => {
          const heap = async (runtime) => {
            const { heapSize, heapUsed, liveBuffers } = await runtime.getMemoryStats();
            return { heapSize, heapUsed, liveBuffers };
          };
          const runtime = await WASMTorch.init(options);
          const bytes = await fetchBytes("/build/fixtures/mlp.wtm");
          const x = runtime.createTensor(await fetchFloats("/build/fixtures/mlp.input.bin"), [3, 20]);
          const model = await runtime.loadModel(bytes);
          (await model.forward(x)).dispose();
          const beforeForwards = await heap(runtime);
          for (let i = 0; i < 10000; ++i) (await model.forward(x)).dispose();
          const afterForwards = await heap(runtime);
          model.dispose();
          const cycle = async () => {
            const m = await runtime.loadModel(bytes);
            (await m.forward(x)).dispose();
            m.dispose();
          };
          await cycle();
          const beforeCycles = await heap(runtime);
          for (let i = 0; i < 1000; ++i) await cycle();
          const afterCycles = await heap(runtime);
          runtime.dispose();
          return { worker: runtime.worker === true, beforeForwards, afterForwards, beforeCycles, afterCycles };
        }, options);
        assert.equal(r.worker, options.worker !== false);
        assertHeapFlat(r.afterForwards, r.beforeForwards, 10000);
        assertHeapFlat(r.afterCycles, r.beforeCycles, 1000);
      });

      test(`${mode}: an over-large model is an out-of-memory error, then a good model loads and runs`, async () => {
        const r = await page.evaluate(async (options) => {
          // Its 2 GiB arena fits the default 4 GiB memory, not one bounded at 2 GiB.
          const runtime = await WASMTorch.init({ ...options, maximum_memory: 2 ** 31 });
          let message = "loaded!";
          try {
            await runtime.loadModel("/build/fixtures/oversize.wtm");
          } catch (e) {
            message = e.message;
          }
          const model = await runtime.loadModel("/build/fixtures/mlp.wtm");
          const y = await model.forward(runtime.createTensor(await fetchFloats("/build/fixtures/mlp.input.bin"), [3, 20]));
          const expected = await fetchFloats("/build/fixtures/mlp.expected.0.bin");
          let error = 0;
          expected.forEach((v, i) => { error = Math.max(error, Math.abs(v - y.data[i])); });
          runtime.dispose();
          return { message, error };
        }, options);
        assert.match(r.message, /out of memory: could not allocate the 2147418240-byte activation arena/);
        assert.ok(r.error <= 1e-4, `${r.error}`);
      });

      test(`${mode}: forwards in flight together on two models give the sequential results`, async () => {
        const r = await page.evaluate(async (options) => {
          const runtime = await WASMTorch.init(options);
          const a = await runtime.loadModel("/build/fixtures/mlp.wtm");
          const b = await runtime.loadModel("/build/fixtures/dynamic.wtm");
          const base = await fetchFloats("/build/fixtures/mlp.input.bin");
          const xs = Array.from({ length: 16 }, (_, k) => runtime.createTensor(base.map((v) => v * (1 + k / 8)), [3, 20]));
          const meta = await (await fetch("/build/fixtures/dynamic.json")).json();
          const ts = await Promise.all(meta.cases.map(async (c, k) =>
            runtime.createTensor(await fetchFloats(`/build/fixtures/dynamic.${k}.input.bin`), c.input_shape)));
          const copy = (t) => Array.from(t.data);
          const sequential = [];
          for (const x of xs) sequential.push(copy(await a.forward(x)));
          for (const t of ts) sequential.push(copy(await b.forward(t)));
          const together = (await Promise.all([...xs.map((x) => a.forward(x)), ...ts.map((t) => b.forward(t))])).map(copy);
          runtime.dispose();
          return { sequential, together };
        }, options);
        assert.deepEqual(r.together, r.sequential);
      });
    }

    test("bad model files throw Errors in the page and the runtime keeps working", async () => {
      const result = await page.evaluate(async () => {
        const runtime = await WASMTorch.init({ threads: 2 });
        const good = await fetchBytes("/build/fixtures/mlp.wtm");
        const bad = {
          truncated: good.slice(0, 80),
          random: new Uint8Array(3000).map((_, i) => (i * 31337) % 256),
          magic: Uint8Array.from([0x4e, 0x4f, ...good.slice(2)]),
        };
        const messages = {};
        for (const [kind, bytes] of Object.entries(bad)) {
          try {
            await runtime.loadModel(bytes);
            messages[kind] = "loaded!";
          } catch (e) {
            messages[kind] = `${e instanceof Error}:${e.message}`;
          }
        }
        try {
          await runtime.loadModel("/build/fixtures/does-not-exist.wtm");
        } catch (e) {
          messages.missing = e.message;
        }
        const model = await runtime.loadModel(good);
        const x = runtime.createTensor(new Float32Array(60), [3, 20]);
        const y = await model.forward(x);
        let wrongShape = "";
        try {
          await model.forward(runtime.createTensor(new Float32Array(20), [1, 20]));
        } catch (e) {
          wrongShape = e.message;
        }
        const after = (await model.forward(x)).data.slice();
        return { messages, shape: [...y.shape], wrongShape, stillRuns: after.length === 15 };
      });
      assert.match(result.messages.truncated, /^true:.*truncated/);
      assert.match(result.messages.random, /^true:.*wrong magic/);
      assert.match(result.messages.magic, /^true:.*wrong magic/);
      assert.match(result.messages.missing, /HTTP 404/);
      assert.deepEqual(result.shape, [3, 5]);
      assert.match(result.wrongShape, /expects float32\[3, 20\], got float32\[1, 20\]/);
      assert.ok(result.stillRuns);
    });
  });

  // loadModel's options in the page's default (worker) mode and with worker: false: progress events
  // cross from the worker, the Cache API keeps the model (the second load never fetches), integrity
  // is checked in the worker and a mismatch is an Error on the page.
  describe("loading like a product", () => {
    let server;
    let page;
    before(async () => { server = await startServer({ isolated: true }); page = await openPage(server); });
    after(async () => { await page.close(); await server.close(); });

    for (const worker of [true, false]) {
      test(`onProgress, the Cache API and integrity (${worker ? "worker" : "worker: false"})`, async () => {
        const r = await page.evaluate(async (worker) => {
          const bytes = await fetchBytes("/build/fixtures/mlp.wtm");
          const hash = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))));
          const cacheName = `e2e-${worker}-${Math.random()}`;
          const runtime = await WASMTorch.init({ threads: 2, worker });
          const fetched = [];
          const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => {
            if (e.name.endsWith("/mlp.wtm")) fetched.push(e.name);
          }));
          observer.observe({ type: "resource", buffered: false });
          const loads = [];
          for (let i = 0; i < 2; i++) {
            const events = [];
            const model = await runtime.loadModel("/build/fixtures/mlp.wtm", { cache: cacheName,
              integrity: `sha256-${hash}`, onProgress: (e) => events.push(e) });
            const y = await model.forward(runtime.createTensor(new Float32Array(60).fill(0.5), [3, 20]));
            loads.push({ last: events.at(-1), count: events.length, shape: [...y.shape] });
            model.dispose();
          }
          let mismatch = "";
          try {
            await runtime.loadModel("/build/fixtures/mlp.wtm", { integrity: `sha256-${btoa("x".repeat(32))}` });
          } catch (e) {
            mismatch = `${e instanceof Error}:${e.message}`;
          }
          let unknown = "";
          try {
            await runtime.loadModel("/build/fixtures/mlp.wtm", { progress: () => {} });
          } catch (e) {
            unknown = e.message;
          }
          const stillLoads = (await runtime.loadModel(bytes)).outputs.length === 1;
          const cached = await (await caches.open(cacheName)).keys();
          await caches.delete(cacheName);
          await new Promise((resolve) => setTimeout(resolve, 100));  // resource timing entries arrive late
          observer.disconnect();
          runtime.dispose();
          return { size: bytes.byteLength, loads, mismatch, unknown, stillLoads, cachedKeys: cached.map((k) => k.url), fetched,
            worker: runtime.worker === true };
        }, worker);
        assert.equal(r.worker, worker);
        assert.deepEqual(r.loads[0].last, { loaded: r.size, total: r.size, fromCache: false });
        assert.deepEqual(r.loads[1].last, { loaded: r.size, total: r.size, fromCache: true });
        assert.deepEqual(r.loads.map((l) => l.shape), [[3, 5], [3, 5]]);
        assert.equal(r.cachedKeys.length, 1);
        assert.match(r.cachedKeys[0], /\/build\/fixtures\/mlp\.wtm#sha256-/);
        assert.match(r.mismatch, /^true:.*integrity check failed for .*mlp\.wtm: expected sha256-/);
        assert.match(r.unknown, /unknown loadModel option "progress"/);
        assert.ok(r.stillLoads);
        if (!worker) assert.equal(r.fetched.length, 2, "fetched for the first load and the mismatch, not the cached one");
      });
    }

    test("the wasm compiles while it downloads (WebAssembly.instantiateStreaming)", async () => {
      const r = await page.evaluate(async () => {
        const streaming = WebAssembly.instantiateStreaming;
        const compiled = [];
        WebAssembly.instantiateStreaming = (source, imports) => {
          compiled.push("streaming");
          return streaming(source, imports);
        };
        try {
          const runtime = await WASMTorch.init({ threads: 2, worker: false });
          const variant = runtime.variant;
          runtime.dispose();
          return { compiled, variant };
        } finally {
          WebAssembly.instantiateStreaming = streaming;
        }
      });
      assert.equal(r.variant, "relaxed-simd-threads");
      assert.deepEqual(r.compiled, ["streaming"]);
    });
  });

  describe("page without cross-origin isolation", () => {
    test("threads fall back to the SIMD build and say why", async () => {
      const server = await startServer({ isolated: false });
      const page = await openPage(server);
      const r = await runFixture(page, "cnn", { threads: 2 });
      await page.close();
      await server.close();
      assert.equal(r.isolated, false);
      assert.equal(r.variant, "relaxed-simd");
      assert.equal(r.threads, 1);
      assert.match(r.notes.join(" "), /not cross-origin isolated/);
      for (const e of r.errors) assert.ok(e <= r.atol);
    });

    test("the default mode keeps the page's main thread free during forwards (no isolation: 1 thread)", async (t) => {
      const server = await startServer({ isolated: false });
      const page = await openPage(server);
      try {
        await assertMainThreadFree(t, page, 1);
      } finally {
        await page.close();
        await server.close();
      }
    });

    // Without shared memory, worker mode's forwards travel by message (with it, through channel.js:
    // the isolated page's worker tests).
    test("worker: true sends its forwards by message and matches PyTorch", async () => {
      const server = await startServer({ isolated: false });
      const page = await openPage(server);
      const r = await runFixture(page, "cnn", { threads: 1, worker: true });
      await page.close();
      await server.close();
      assert.equal(r.isolated, false);
      assert.equal(r.worker, true);
      assert.equal(r.channel, "messages");
      for (const e of r.errors) assert.ok(e <= r.atol, `max error ${e} > ${r.atol}`);
    });
  });
});
}
