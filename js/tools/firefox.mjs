// Headless Debian Firefox ESR for tests and benchmarks. No driver controls it: the page it opens
// POSTs its results to the test server's /results, which this returns.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { startServer } from "./server.mjs";

export const FIREFOX = process.env.FIREFOX_PATH || "/usr/bin/firefox-esr";
export const firefoxInstalled = () => existsSync(FIREFOX);

// A fresh profile that reaches for nothing beyond 127.0.0.1 and asks nothing.
const PREFS = {
  "browser.shell.checkDefaultBrowser": false, "browser.startup.homepage_override.mstone": "ignore",
  "datareporting.policy.dataSubmissionEnabled": false, "toolkit.telemetry.reportingpolicy.firstRun": false,
  "app.update.disabledForTesting": true, "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false, "extensions.update.enabled": false, "browser.safebrowsing.update.enabled": false,
};

// A headless Firefox on `url`, with a fresh profile; returns {process, exited (a Promise of why it
// stopped), kill()}.
function spawnFirefox(url) {
  const profile = mkdtempSync(join(tmpdir(), "wasm-torch-firefox-"));
  writeFileSync(join(profile, "user.js"),
    Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join("\n"));
  const firefox = spawn(FIREFOX, ["--headless", "--no-remote", "--profile", profile, url],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MOZ_HEADLESS: "1", HOME: profile } });
  let stderr = "";
  firefox.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => firefox.on("exit", (code) => resolve(`firefox exited (${code}): ${stderr.slice(-2000)}`)));
  return {
    exited,
    kill() {
      firefox.kill("SIGKILL");
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Opens `path` (with its query) of the repository, served cross-origin isolated, in a headless
 * Firefox; returns the JSON the page POSTs to /results (within `timeoutMs`).
 */
export async function reportFromFirefox(path, { timeoutMs = 240_000 } = {}) {
  let resolveReport;
  const posted = new Promise((resolve) => { resolveReport = resolve; });
  const server = await startServer({ isolated: true });
  server.route("/results", (body) => { resolveReport(body); });
  const firefox = spawnFirefox(`${server.url}${path}`);
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(`no report within ${timeoutMs / 1000} s`), timeoutMs); });
  try {
    const result = await Promise.race([posted, firefox.exited, timeout]);
    if (!result.startsWith("{")) throw new Error(result);
    return JSON.parse(result);
  } finally {
    clearTimeout(timer);
    firefox.kill();
    await server.close();
  }
}

let nextBridge = 1;

// A page in its own Firefox, driven through js/tools/bridge.js: evaluate(fn, arg) sends fn's source
// to the page and resolves with what it returns (as JSON), as Playwright's page.evaluate does.
class FirefoxPage {
  constructor(server, url) {
    const token = `b${process.pid}x${nextBridge++}`;
    this._jobs = [];
    this._waiting = null;
    this._pending = new Map();
    this._next = 1;
    server.route(`/__bridge/${token}/next`, () => new Promise((resolve) => {
      if (this._jobs.length) resolve(JSON.stringify(this._jobs.shift()));
      else this._waiting = (job) => resolve(JSON.stringify(job));
    }));
    server.route(`/__bridge/${token}/result`, (body) => {
      const { id, result, error } = JSON.parse(body);
      const pending = this._pending.get(id);
      this._pending.delete(id);
      if (error !== undefined) pending.reject(new Error(error));
      else pending.resolve(result);
    });
    const page = new URL(url);
    page.searchParams.set("bridge", token);
    this._firefox = spawnFirefox(page.href);
    this._firefox.exited.then((why) => {
      for (const pending of this._pending.values()) pending.reject(new Error(why));
    });
  }

  evaluate(fn, arg) {
    const job = { id: this._next++, fn: fn.toString(), arg };
    return new Promise((resolve, reject) => {
      this._pending.set(job.id, { resolve, reject });
      if (this._waiting) {
        const send = this._waiting;
        this._waiting = null;
        send(job);
      } else {
        this._jobs.push(job);
      }
    });
  }

  async waitForFunction(fn, arg, { timeout = 120_000 } = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const done = await Promise.race([this.evaluate(fn, arg), new Promise((r) => setTimeout(() => r(false), 2000))]);
      if (done) return done;
      if (Date.now() > end) throw new Error(`waitForFunction: timed out after ${timeout} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close() {
    this._firefox.kill();
  }
}

/** Firefox with the part of browser.mjs's interface the end-to-end tests use: newPage(url) -> a FirefoxPage. */
export async function launchFirefox() {
  return {
    // The page's server must be one of startServer's (its route() carries the bridge).
    newPage: async (url, server) => new FirefoxPage(server, url),
    close: async () => {},
  };
}
