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

/**
 * Opens `path` (with its query) of the repository, served cross-origin isolated, in a headless
 * Firefox with a fresh profile; returns the JSON the page POSTs to /results (within `timeoutMs`).
 */
export async function reportFromFirefox(path, { timeoutMs = 240_000 } = {}) {
  let resolveReport;
  const posted = new Promise((resolve) => { resolveReport = resolve; });
  const server = await startServer({ isolated: true, onPost: (route, body) => route === "/results" && resolveReport(body) });
  const profile = mkdtempSync(join(tmpdir(), "wasm-torch-firefox-"));
  writeFileSync(join(profile, "user.js"),
    Object.entries(PREFS).map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`).join("\n"));
  const firefox = spawn(FIREFOX, ["--headless", "--no-remote", "--profile", profile, `${server.url}${path}`],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, MOZ_HEADLESS: "1", HOME: profile } });
  let stderr = "";
  firefox.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => firefox.on("exit", (code) => resolve(`firefox exited (${code}): ${stderr.slice(-2000)}`)));
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(`no report within ${timeoutMs / 1000} s`), timeoutMs); });
  try {
    const result = await Promise.race([posted, exited, timeout]);
    if (!result.startsWith("{")) throw new Error(result);
    return JSON.parse(result);
  } finally {
    clearTimeout(timer);
    firefox.kill("SIGKILL");
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
