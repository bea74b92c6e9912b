// The npm package as a web developer meets it: `npm pack`ed and installed into a Vite app
// (tests/e2e/vite-app), built with `vite build` and served by `vite preview`, and run by Vite's dev
// server, in Chromium at 1 and 2 threads; the builds' files from a CDN-like prefix or a per-file
// map (wasmPaths); and require() from CommonJS answered with how to import.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import { build, createServer, preview } from "vite";

import { launchBrowser } from "../../js/tools/browser.mjs";
import { startServer } from "../../js/tools/server.mjs";
import { FIXTURES, loadFixture, maxAbsDiff } from "../js/helpers.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

let browser, app;
before(async () => {
  browser = await launchBrowser();
  // The app in a temporary directory with the packed package installed as a user installs it.
  app = mkdtempSync(join(tmpdir(), "wasm-torch-vite-app-"));
  cpSync(join(ROOT, "tests/e2e/vite-app"), app, { recursive: true });
  for (const file of ["mlp.wtm", "mlp.json", "mlp.input.bin"]) cpSync(join(FIXTURES, file), join(app, "public", file));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "vite-app", private: true, type: "module" }));
  const tarball = execFileSync("npm", ["pack", "--pack-destination", app, "--loglevel=error"], { cwd: join(ROOT, "js") })
    .toString().trim().split("\n").at(-1);
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error", join(app, tarball)], { cwd: app });
});
after(async () => {
  await browser.close();
  rmSync(app, { recursive: true, force: true });
});

// Runs the app at `base` with each init and checks what it computed against PyTorch's output.
async function assertAppRuns(base) {
  const f = loadFixture("mlp");
  for (const [query, variant, threads, worker] of [["threads=1", "relaxed-simd", 1, true],
    ["threads=2", "relaxed-simd-threads", 2, true], ["threads=2&worker=false", "relaxed-simd-threads", 2, false]]) {
    const page = await browser.newPage(`${base}/index.html?${query}`);
    const r = await page.evaluate(() => window.result);
    await page.close();
    assert.equal(r.error, undefined, r.error);
    assert.deepEqual([r.variant, r.threads, r.worker], [variant, threads, worker], query);
    assert.deepEqual(r.shape, f.output_shapes[0]);
    assert.ok(maxAbsDiff(r.data, f.expected[0]) <= f.atol, `${query}: ${maxAbsDiff(r.data, f.expected[0])}`);
  }
}

describe("a Vite app", () => {
  test("vite build emits the builds it may load, vite preview serves them, every mode runs", async () => {
    await build({ root: app, logLevel: "silent", build: { outDir: join(app, "dist"), emptyOutDir: true } });
    const emitted = execFileSync("ls", [join(app, "dist", "assets")]).toString();
    for (const variant of ["relaxed-simd-threads", "relaxed-simd", "simd-threads", "simd", "baseline"]) {
      assert.match(emitted, new RegExp(`wasm-torch-${variant}-[\\w-]+\\.wasm`), `${variant}'s wasm was not emitted`);
    }
    assert.match(emitted, /wasm-torch-relaxed-simd-threads\.worker-[\w-]+\.js/, "the pthread worker script is a file, not inlined");
    const server = await preview({ root: app, logLevel: "silent", preview: { host: "127.0.0.1", port: 0, headers: ISOLATION } });
    try {
      await assertAppRuns(server.resolvedUrls.local[0].replace(/\/$/, ""));
    } finally {
      await new Promise((resolve) => server.httpServer.close(resolve));
    }
  });

  test("the dev server runs it unmodified", async () => {
    const server = await createServer({ root: app, logLevel: "silent", server: { host: "127.0.0.1", port: 0, headers: ISOLATION } });
    await server.listen();
    try {
      await assertAppRuns(server.resolvedUrls.local[0].replace(/\/$/, ""));
    } finally {
      await server.close();
    }
  });
});

test("wasmPaths: the builds from a CDN-like prefix, or a map from file name to URL", async () => {
  const dist = join(ROOT, "js", "dist");
  const routes = {};
  for (const name of readFileSync(join(dist, "..", "src", "builds.js"), "utf8").match(/wasm-torch-[\w-]+\.(?:mjs|wasm|worker\.js)/g)) {
    routes[`/cdn/${name}`] = join(dist, name);
  }
  routes["/elsewhere/renamed.wasm"] = join(dist, "wasm-torch-relaxed-simd.wasm");
  const server = await startServer({ isolated: true, routes });
  const page = await browser.newPage(`${server.url}/tests/e2e/page.html`);
  try {
    await page.waitForFunction(() => window.pageReady === true);
    const r = await page.evaluate(async () => {
      const fetched = () => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname);
      const run = async (options) => {
        const runtime = await WASMTorch.init(options);
        const model = await runtime.loadModel("/build/fixtures/mlp.wtm");
        const y = await model.forward(runtime.createTensor(new Float32Array(60).fill(0.5), [3, 20]));
        const out = { variant: runtime.variant, shape: [...y.shape] };
        runtime.dispose();
        return out;
      };
      const prefix = await run({ threads: 2, wasmPaths: "/cdn/" });
      const map = await run({ threads: 1, worker: false, wasmPaths: { "wasm-torch-relaxed-simd.wasm": "/elsewhere/renamed.wasm" } });
      let missing = "";
      try {
        await run({ threads: 1, worker: false, wasmPaths: "/nowhere/" });
      } catch (e) {
        missing = e.message;
      }
      let wrongKind = "";
      try {
        await WASMTorch.init({ wasmPaths: 42 });
      } catch (e) {
        wrongKind = e.message;
      }
      return { prefix, map, missing, wrongKind, fetched: fetched() };
    });
    assert.deepEqual(r.prefix, { variant: "relaxed-simd-threads", shape: [3, 5] });
    assert.deepEqual(r.map, { variant: "relaxed-simd", shape: [3, 5] });
    assert.ok(r.fetched.includes("/elsewhere/renamed.wasm"), r.fetched.join(" "));
    assert.ok(r.fetched.includes("/js/dist/wasm-torch-relaxed-simd.mjs"), "a map keeps the package's own for the files it leaves out");
    assert.match(r.missing, /nowhere\/wasm-torch-relaxed-simd\.mjs/);
    assert.match(r.wrongKind, /wasmPaths must be a URL prefix/);
  } finally {
    await page.close();
    await server.close();
  }
});

test("a plain <script type=\"module\"> page over a static server runs the installed package as it lies", async () => {
  writeFileSync(join(app, "plain.html"), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="module">
  import { WASMTorch } from "/node_modules/wasm-torch/src/index.js";
  window.result = (async () => {
    const runtime = await WASMTorch.init({ threads: 2 });
    const meta = await (await fetch("/public/mlp.json")).json();
    const input = new Float32Array(await (await fetch("/public/mlp.input.bin")).arrayBuffer());
    const y = await (await runtime.loadModel("/public/mlp.wtm")).forward(runtime.createTensor(input, meta.input_shape));
    return { variant: runtime.variant, data: Array.from(y.data) };
  })().catch((e) => ({ error: String(e) }));
</script>`);
  const server = await startServer({ root: app, isolated: true });
  const page = await browser.newPage(`${server.url}/plain.html`);
  try {
    const r = await page.evaluate(() => window.result);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.variant, "relaxed-simd-threads");
    const f = loadFixture("mlp");
    assert.ok(maxAbsDiff(r.data, f.expected[0]) <= f.atol);
  } finally {
    await page.close();
    await server.close();
  }
});

test("Node: the installed package as an ES module runs the model; require() says to import", () => {
  const f = loadFixture("mlp");
  const esm = `import { readFileSync } from "node:fs";
import { WASMTorch } from "wasm-torch";
const meta = JSON.parse(readFileSync("public/mlp.json", "utf8"));
const input = new Float32Array(Uint8Array.from(readFileSync("public/mlp.input.bin")).buffer);
const runtime = await WASMTorch.init({ threads: 2 });
const y = await (await runtime.loadModel("public/mlp.wtm")).forward(runtime.createTensor(input, meta.input_shape));
console.log(JSON.stringify({ variant: runtime.variant, data: Array.from(y.data) }));`;
  const out = JSON.parse(execFileSync("node", ["--input-type=module", "-e", esm], { cwd: app }).toString().trim().split("\n").at(-1));
  assert.match(out.variant, /simd-threads$/);
  assert.ok(maxAbsDiff(out.data, f.expected[0]) <= f.atol);
  const script = 'try { require("wasm-torch"); } catch (e) { console.log(e.message); }';
  const cjs = execFileSync("node", ["--input-type=commonjs", "-e", script], { cwd: app }).toString();
  assert.match(cjs, /wasm-torch is an ES module: `import \{ WASMTorch \} from "wasm-torch"`/);
});
