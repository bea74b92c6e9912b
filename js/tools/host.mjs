#!/usr/bin/env node
// The process Python's WASMRuntime(engine="node" | "chromium") talks to: JSON requests on stdin,
// one JSON reply per line on stdout. "node" runs the JavaScript API here; "chromium" runs it in
// a headless Chromium page served with COOP/COEP from 127.0.0.1.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    engine: { type: "string", default: "node" }, threads: { type: "string", default: "1" }, simd: { type: "string", default: "1" },
    "reference-kernels": { type: "string", default: "0" },
    worker: { type: "string", default: "0" },  // chromium: the page's default mode, the runtime in a Worker
  },
});

async function nodeEngine() {
  if (args.worker !== "0") throw new Error("--worker is a page's mode: use --engine chromium");
  const { WASMTorch } = await import("../src/index.js");
  const { createHost } = await import("./host-commands.js");
  const runtime = await WASMTorch.init({ simd: args.simd !== "0", threads: Number(args.threads),
    referenceKernels: args["reference-kernels"] === "1" });
  return { handle: createHost(runtime), close: async () => runtime.dispose() };
}

async function chromiumEngine() {
  const { startServer } = await import("./server.mjs");
  const { launchBrowser } = await import("./browser.mjs");
  const routes = {};
  const server = await startServer({ routes });
  const browser = await launchBrowser();
  const page = await browser.newPage(
    `${server.url}/js/tools/host.html?threads=${args.threads}&simd=${args.simd}&reference-kernels=${args["reference-kernels"]}` +
    `&worker=${args.worker}`);
  const ready = await page.evaluate(() => window.wtReady);
  if (!ready.crossOriginIsolated) throw new Error("the host page is not crossOriginIsolated");
  let served = 0;
  return {
    handle: (request) => {
      if (request.path) {  // the page fetches model files by URL, as a real page does
        const url = `/models/${++served}.wtm`;
        routes[url] = request.path;
        request = { ...request, path: undefined, url };
      }
      return page.evaluate((r) => window.wtHandle(r), request);
    },
    close: async () => { await browser.close(); await server.close(); },
  };
}

const engine = args.engine === "chromium" ? await chromiumEngine() : await nodeEngine();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  const reply = await engine.handle(request);
  process.stdout.write(JSON.stringify(reply) + "\n");
}
await engine.close();
process.exit(0);
