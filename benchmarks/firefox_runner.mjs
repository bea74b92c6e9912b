#!/usr/bin/env node
// Times a wasm-torch model in headless Firefox ESR (benchmarks/firefox_page.html, which reports back
// by POST: Firefox has no driver here). Usage: node firefox_runner.mjs --name NAME --threads N
// --iterations N --warmup N [--repeat R] (build/bench/NAME.wtm from bench.py) -> {"times_ms": [...]}.
import { parseArgs } from "node:util";

import { reportFromFirefox } from "../js/tools/firefox.mjs";

const { values: a } = parseArgs({
  options: { name: { type: "string" }, threads: { type: "string", default: "1" }, iterations: { type: "string", default: "20" },
    warmup: { type: "string", default: "5" }, repeat: { type: "string", default: "1" } },
});
const query = new URLSearchParams(a).toString();
const report = await reportFromFirefox(`/benchmarks/firefox_page.html?${query}`, { timeoutMs: 1_800_000 });
if (report.error) {
  process.stderr.write(`${report.error}\n`);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ times_ms: report.times_ms, variant: report.variant }) + "\n");
process.exit(0);
