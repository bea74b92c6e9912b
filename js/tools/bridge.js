// The page half of js/tools/firefox.mjs's bridge, for a browser no test driver controls: the page
// asks the test server for the next function to run (its source text, and an argument), runs it in
// the page's global scope as Playwright's page.evaluate would, and posts back what it returned or
// threw. tests/e2e/page.html starts it when its URL says ?bridge=TOKEN.
export async function serveBridge(token) {
  for (;;) {
    const job = await (await fetch(`/__bridge/${token}/next`, { method: "POST" })).json();
    let reply;
    try {
      const fn = (0, eval)(`(${job.fn})`);  // indirect: global scope, where the page's helpers are
      reply = { id: job.id, result: await fn(job.arg) };
    } catch (error) {
      reply = { id: job.id, error: String(error && error.message ? error.message : error) };
    }
    await fetch(`/__bridge/${token}/result`, { method: "POST", body: JSON.stringify(reply) });
  }
}
