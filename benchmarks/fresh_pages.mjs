// What benchmarks/cold_start.mjs and main_thread.mjs share: each call runs in a page of its own,
// opened fresh on an empty document (benchmarks/cold_start.html) served cross-origin isolated, in one
// headless Chromium. calls: [[key, fn, arg]]; returns [[key, fn(arg)'s result]] in order.
import { launchBrowser } from "../js/tools/browser.mjs";
import { startServer } from "../js/tools/server.mjs";

export async function inFreshPages(calls) {
  const server = await startServer({ isolated: true });
  const browser = await launchBrowser();
  const results = [];
  try {
    for (const [key, fn, arg] of calls) {
      const page = await browser.newPage(`${server.url}/benchmarks/cold_start.html`);
      results.push([key, await page.evaluate(fn, arg)]);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return results;
}
