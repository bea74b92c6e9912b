// Headless Debian Chromium through playwright-core, with the flags this machine needs and a
// fresh profile each time.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "wasm-torch-chromium-"));
  process.env.XDG_CONFIG_HOME = join(profile, "config");
  process.env.XDG_CACHE_HOME = join(profile, "cache");
  const context = await chromium.launchPersistentContext(join(profile, "profile"), {
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: FLAGS,
  });
  return {
    context,
    async newPage(url) {
      const page = await context.newPage();
      page.on("console", (msg) => { if (msg.type() === "error" || msg.type() === "warning") process.stderr.write(`[page] ${msg.text()}\n`); });
      page.on("pageerror", (err) => process.stderr.write(`[page error] ${err.message}\n`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
