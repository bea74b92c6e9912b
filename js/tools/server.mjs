// A static file server for tests, the demo and benchmarks: serves the repository on 127.0.0.1
// with the COOP/COEP headers that make a page crossOriginIsolated (needed for threads).
import { createReadStream } from "node:fs";
import { createServer } from "node:http";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
  ".json": "application/json", ".css": "text/css", ".png": "image/png", ".wtm": "application/octet-stream",
  ".bin": "application/octet-stream",
};

/**
 * Starts the server (on `port`, default any free one); `isolated: false` leaves out COOP/COEP (to test
 * the fallback path). The returned server's route(path, handler) answers POSTs to `path` with what
 * `await handler(body text)` returns (a string): how pages in a browser no driver controls (Firefox)
 * report back (js/tools/firefox.mjs).
 */
export async function startServer({ root = ROOT, isolated = true, routes = {}, port = 0 } = {}) {
  const posts = new Map();
  const server = createServer(async (req, res) => {
    const headers = { "Cache-Control": "no-store", "Cross-Origin-Resource-Policy": "same-origin" };
    if (isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    const path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    const handler = req.method === "POST" && posts.get(path);
    if (handler) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const reply = (await handler(Buffer.concat(chunks).toString("utf8"))) ?? "";
      res.writeHead(200, { ...headers, "Content-Type": "application/json" });
      res.end(reply);
      return;
    }
    const file = routes[path] || normalize(join(root, path));
    try {
      if (!routes[path] && file !== root && !file.startsWith(root + sep)) throw new Error("outside the root");
      const info = await stat(file);
      if (!info.isFile()) throw new Error("not a file");
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] || "application/octet-stream", "Content-Length": info.size });
    } catch {
      res.writeHead(404, headers);
      res.end("not found");
      return;
    }
    // Streamed: a model file may be larger than one Buffer can hold (2 GiB).
    await pipeline(createReadStream(file), res).catch(() => res.destroy());
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    route: (path, handler) => posts.set(path, handler),
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }),
  };
}
