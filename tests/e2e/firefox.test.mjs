// End to end in Debian's Firefox ESR (headless), the second browser engine: no driver controls it,
// so tests/e2e/report_page.html runs the fixtures in every mode and POSTs what it saw back to the
// test server. Cross-origin isolated, so the threaded builds run.
import assert from "node:assert/strict";
import { test } from "node:test";

import { FIREFOX, firefoxInstalled, reportFromFirefox } from "../../js/tools/firefox.mjs";

test("Firefox runs every build and matches PyTorch, threads on a cross-origin-isolated page", {
  skip: !firefoxInstalled() && `${FIREFOX} is not installed (scripts/setup.sh installs firefox-esr)`,
}, async () => {
  const report = await reportFromFirefox("/tests/e2e/report_page.html");
  assert.equal(report.error, null, report.error);
  assert.match(report.userAgent, /Firefox\//);
  assert.equal(report.isolated, true);
  // [variant, threads, in a Worker]: a page runs the runtime in a Worker by default at any thread count.
  const expected = [["relaxed-simd-threads", 2, true], ["relaxed-simd-threads", 2, false], ["relaxed-simd", 1, true],
    ["simd", 1, true], ["baseline", 1, true]];
  assert.equal(report.runs.length, 2 * expected.length);
  report.runs.forEach((run, i) => {
    const [variant, threads, worker] = expected[Math.floor(i / 2)];
    assert.deepEqual([run.variant, run.threads, run.worker], [variant, threads, worker], JSON.stringify(run.options));
    assert.deepEqual(run.shapes, run.expectedShapes, run.name);
    for (const error of run.errors) assert.ok(error <= run.atol, `${run.name} on ${variant}: ${error} > ${run.atol}`);
    assert.ok(Number.isFinite(run.medianMs) && run.medianMs >= 0);  // Firefox's timers are coarse: 0 for the MLP
  });
});
