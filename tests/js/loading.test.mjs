// loadModel(source, {onProgress, cache, integrity}) in Node: progress from a file and over HTTP
// (with and without Content-Length), a cache directory keyed by URL and integrity, SRI checks
// before use, and a runtime that keeps working after every refusal with nothing left allocated.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";

import { WASMTorch } from "../../js/src/index.js";
import { loadFixture, maxAbsDiff } from "./helpers.mjs";

const sri = (bytes, algorithm = "sha256") => `${algorithm}-${createHash(algorithm).update(bytes).digest("base64")}`;

// 1 thread: memory is an ArrayBuffer; 2: a SharedArrayBuffer (hashed from a copy, files read into it).
for (const threads of [1, 2]) describe(`loadModel: progress, cache, integrity (${threads} thread(s))`, () => {
  const f = loadFixture("mlp");
  let runtime, server, base, requests, cacheDir;

  before(async () => {
    runtime = await WASMTorch.init({ threads, log_level: "silent" });
    requests = [];
    // /model.wtm with Content-Length, /chunked.wtm without (chunked transfer), /missing.wtm a 404;
    // the body in 2 KB slices a few milliseconds apart, as a network delivers it.
    server = createServer(async (req, res) => {
      requests.push(req.url);
      if (req.url === "/missing.wtm") {
        res.writeHead(404).end();
        return;
      }
      const chunked = req.url === "/chunked.wtm";
      res.writeHead(200, chunked ? {} : { "content-length": f.modelBytes.length });
      for (let offset = 0; offset < f.modelBytes.length; offset += 2048) {
        res.write(f.modelBytes.subarray(offset, offset + 2048));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      res.end();
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    cacheDir = mkdtempSync(join(tmpdir(), "wasm-torch-cache-"));
  });
  after(() => {
    server.close();
    runtime.dispose();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  async function runs(model) {
    const x = runtime.createTensor(f.input, f.input_shape);
    const y = await model.forward(x);
    assert.ok(maxAbsDiff(y.data, f.expected[0]) <= f.atol);
    x.dispose();
    y.dispose();
    model.dispose();
  }

  function progressLog() {
    const events = [];
    return { events, onProgress: (event) => events.push(event) };
  }

  function assertProgress(events, total, fromCache) {
    assert.ok(events.length >= 1);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].loaded >= events[i - 1].loaded, "loaded only grows");
    assert.deepEqual(events.at(-1), { loaded: f.modelBytes.length, total, fromCache });
    for (const e of events) assert.equal(e.total, total);
  }

  test("progress from a file, bytes, and HTTP with and without Content-Length", async () => {
    const size = f.modelBytes.length;
    for (const [source, total] of [[f.modelPath, size], [f.modelBytes, size], [`${base}/model.wtm`, size],
      [`${base}/chunked.wtm`, null]]) {
      const { events, onProgress } = progressLog();
      await runs(await runtime.loadModel(source, { onProgress }));
      assertProgress(events, total, false);
      if (String(source).startsWith("http")) assert.ok(events.length > 1, "a fetch reports as chunks arrive");
    }
  });

  test("integrity is checked before use; a mismatch or a malformed hash is a clear error", async () => {
    const before = runtime.getMemoryStats();
    for (const algorithm of ["sha256", "sha384", "sha512"]) {
      await runs(await runtime.loadModel(`${base}/model.wtm`, { integrity: sri(f.modelBytes, algorithm) }));
    }
    const other = sri(Buffer.from("another model"));
    for (const source of [`${base}/model.wtm`, f.modelPath, f.modelBytes]) {
      await assert.rejects(runtime.loadModel(source, { integrity: other }),
        new RegExp(`integrity check failed for .*: expected ${other.replace(/[+/]/g, "\\$&")}, got ${sri(f.modelBytes).replace(/[+/]/g, "\\$&")}`));
    }
    await assert.rejects(runtime.loadModel(f.modelPath, { integrity: "md5-abc" }), /integrity must be "sha256-<base64 digest>"/);
    await assert.rejects(runtime.loadModel(f.modelPath, { integrety: other }), /unknown loadModel option "integrety"; the options are onProgress, cache, integrity/);
    await assert.rejects(runtime.loadModel(`${base}/missing.wtm`), /fetching .*missing.wtm failed: HTTP 404/);
    assert.equal(runtime.getMemoryStats().liveBuffers, before.liveBuffers, "a refused load frees what it read");
    await runs(await runtime.loadModel(f.modelPath));
  });

  test("a cache directory keyed by URL and integrity: fetched once, then read from disk", async () => {
    const url = `${base}/model.wtm`;
    requests.length = 0;
    const first = progressLog();
    await runs(await runtime.loadModel(url, { cache: cacheDir, onProgress: first.onProgress }));
    assertProgress(first.events, f.modelBytes.length, false);
    const second = progressLog();
    await runs(await runtime.loadModel(url, { cache: cacheDir, onProgress: second.onProgress }));
    assertProgress(second.events, f.modelBytes.length, true);
    assert.deepEqual(requests, ["/model.wtm"], "the second load never reached the server");
    await runs(await runtime.loadModel(url, { cache: cacheDir, integrity: sri(f.modelBytes) }));
    assert.equal(requests.length, 2, "another integrity is another key");
    assert.equal(readdirSync(cacheDir).filter((n) => n.endsWith(".wtm")).length, 2);
  });

  test("a corrupt cache entry fails its integrity check and is fetched again", async () => {
    const url = `${base}/chunked.wtm`, integrity = sri(f.modelBytes);
    await runs(await runtime.loadModel(url, { cache: cacheDir, integrity }));
    const entry = join(cacheDir, `${createHash("sha256").update(`${url}#${integrity}`).digest("hex")}.wtm`);
    writeFileSync(entry, Buffer.from("not the model"));
    requests.length = 0;
    const { events, onProgress } = progressLog();
    await runs(await runtime.loadModel(url, { cache: cacheDir, integrity, onProgress }));
    assert.deepEqual(requests, ["/chunked.wtm"]);
    assert.equal(events.at(-1).fromCache, false);
    const { events: again, onProgress: onAgain } = progressLog();
    await runs(await runtime.loadModel(url, { cache: cacheDir, integrity, onProgress: onAgain }));
    assert.equal(again.at(-1).fromCache, true, "the entry was rewritten");
  });

  test("options of the wrong kind are refused", async () => {
    await assert.rejects(runtime.loadModel(f.modelPath, { onProgress: 3 }), /onProgress must be a function/);
    await assert.rejects(runtime.loadModel(f.modelPath, { cache: 7 }), /cache must be true, false or a non-empty name/);
    await assert.rejects(runtime.loadModel(f.modelPath, "fast"), /options must be an object/);
  });
});
