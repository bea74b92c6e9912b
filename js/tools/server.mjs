// A static file server for tests, the demo and benchmarks: serves the repository on 127.0.0.1
// with the COOP/COEP headers that make a page crossOriginIsolated (needed for threads).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
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
 * the fallback path). onPost(path,
 * body text): what a page POSTs, for pages in browsers no driver controls (Firefox) to report back.
 */
export async function startServer({ root = ROOT, isolated = true, routes = {}, onPost = null, port = 0 } = {}) {
  const server = createServer(async (req, res) => {
    const headers = { "Cache-Control": "no-store", "Cross-Origin-Resource-Policy": "same-origin" };
    if (isolated) {
      headers["Cross-Origin-Opener-Policy"] = "same-origin";
      headers["Cross-Origin-Embedder-Policy"] = "require-corp";
    }
    if (req.method === "POST" && onPost) {
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      onPost(decodeURIComponent(new URL(req.url, "http://localhost").pathname), Buffer.concat(chunks).toString("utf8"));
      res.writeHead(204, headers);
      res.end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    try {
      const file = routes[path] || normalize(join(root, path));
      if (!routes[path] && file !== root && !file.startsWith(root + sep)) throw new Error("outside the root");
      if (!(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[extname(file)] || "application/octet-stream", "Content-Length": body.length });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end("not found");
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((ok) => server.close(ok)) };
}
