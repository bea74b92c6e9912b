// The demo page (examples/web, make demo-page) as a person uses it, in headless Chromium: a digit
// drawn with pointer events is predicted, a typed query finds the sentence PyTorch ranks first,
// the benchmark tab runs both runtimes; screenshots go to build/demo-web/screenshots/ to look at.
// The page's tokenizer is held to Hugging Face's ids here too (in Node).
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

import { WordPieceTokenizer } from "../../examples/web/tokenizer.js";
import { launchBrowser } from "../../js/tools/browser.mjs";
import { startServer } from "../../js/tools/server.mjs";

const ASSETS = fileURLToPath(new URL("../../build/demo-web/", import.meta.url));
const SHOTS = `${ASSETS}screenshots/`;

test("the page's WordPiece tokenizer gives Hugging Face's ids", () => {
  const tokenizer = new WordPieceTokenizer(readFileSync(`${ASSETS}vocab.txt`, "utf8"));
  const cases = JSON.parse(readFileSync(`${ASSETS}tokenizer_cases.json`, "utf8"));
  for (const [text, ids] of Object.entries(cases)) assert.deepEqual(tokenizer.encode(text, 512), ids, text);
});

describe("the demo page in Chromium", () => {
  let browser, server, page;
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await launchBrowser();
    server = await startServer({ isolated: true });
    page = await browser.newPage(`${server.url}/examples/web/index.html`);
    await page.setViewportSize({ width: 1100, height: 800 });
    await page.waitForFunction(() => window.demo && window.demo.ready === true, null, { timeout: 120_000 });
  });
  after(async () => {
    await page.close();
    await browser.close();
    await server.close();
  });

  // Strokes through the pad's points, as a mouse draws them (pointer events, buttons held).
  async function draw(strokes) {
    const box = await page.locator("#pad").boundingBox();
    for (const stroke of strokes) {
      await page.mouse.move(box.x + stroke[0][0], box.y + stroke[0][1]);
      await page.mouse.down();
      for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 6 });
      await page.mouse.up();
    }
    await page.waitForFunction(() => window.demo.prediction !== undefined);
    await page.waitForTimeout(200);  // the last stroke's prediction
    return page.evaluate(() => window.demo.prediction);
  }

  const circle = (cx, cy, rx, ry) => [Array.from({ length: 33 }, (_, i) => [cx + rx * Math.sin((i / 32) * 2 * Math.PI),
    cy - ry * Math.cos((i / 32) * 2 * Math.PI)])];
  const DIGITS = {
    0: circle(128, 128, 60, 95),
    1: [[[110, 50], [140, 30], [140, 230]]],
    7: [[[60, 40], [200, 40], [110, 230]]],
  };

  for (const [digit, strokes] of Object.entries(DIGITS)) {
    test(`a drawn ${digit} is predicted ${digit}, with probabilities, latency, build and threads shown`, async () => {
      await page.click("#clear");
      await page.evaluate(() => { delete window.demo.prediction; });
      const prediction = await draw(strokes);
      assert.equal(prediction.digit, Number(digit), `probabilities ${prediction.probabilities.map((p) => p.toFixed(2))}`);
      assert.ok(Math.abs(prediction.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4);
      assert.equal(await page.textContent("#prediction"), digit);
      assert.equal(await page.locator("#probabilities .bar").count(), 10);
      assert.match(await page.textContent("#latency-text"), /median [\d.]+ ms/);
      assert.match(await page.textContent("#runtime-info"), /relaxed-simd-threads build, \d thread\(s\), in a Worker/);
      await page.screenshot({ path: `${SHOTS}digits-${digit}.png` });
    });
  }

  test("semantic search: the model loads with progress, a query's top hit is PyTorch's", async () => {
    await page.click('nav button[data-tab="search"]');
    await page.waitForFunction(() => !document.getElementById("query").disabled, null, { timeout: 120_000 });
    assert.equal(await page.evaluate(() => document.getElementById("search-progress").value), 1);
    const expected = JSON.parse(readFileSync(`${ASSETS}search_cases.json`, "utf8"));
    for (const [query, best] of Object.entries(expected)) {
      await page.fill("#query", query);
      await page.evaluate(() => { delete window.demo.lastSearch; });
      await page.press("#query", "Enter");
      await page.waitForFunction(() => window.demo.lastSearch !== undefined);
      assert.equal(await page.textContent("#results li:first-child"), `${best}${(await page.evaluate(
        () => window.demo.lastSearch.ranked[0].score)).toFixed(3)}`, query);
      assert.match(await page.textContent("#search-latency"), /[\d.]+ ms for the query/);
    }
    await page.screenshot({ path: `${SHOTS}search.png` });
  });

  test("the benchmark tab runs wasm-torch and onnxruntime-web side by side and plots both", async () => {
    await page.click('nav button[data-tab="bench"]');
    await page.selectOption("#bench-model", "digits");
    await page.click("#bench-run");
    await page.waitForFunction(() => window.demo.bench !== undefined, null, { timeout: 120_000 });
    const runs = await page.evaluate(() => window.demo.bench.map((r) => ({ label: r.label, n: r.times.length, note: r.note })));
    assert.equal(runs.length, 2);
    assert.match(runs[0].label, /^wasm-torch \(relaxed-simd-threads\)$/);
    assert.match(runs[1].label, /^onnxruntime-web \(2 thread\(s\)\)$/, runs[1].note);
    assert.deepEqual(runs.map((r) => r.n), [30, 30]);
    assert.equal(await page.locator("#bench-table tr").count(), 3);
    await page.screenshot({ path: `${SHOTS}benchmark.png` });
  });
});
