#!/usr/bin/env node
// make demo-page: serves the repository on 127.0.0.1 (cross-origin isolated, so the threaded builds
// run) and prints the demo page's URL; Ctrl-C stops it. PORT picks the port (default 8080).
import { startServer } from "../../js/tools/server.mjs";

const server = await startServer({ isolated: true, port: Number(process.env.PORT || 8080) });
process.stdout.write(`wasm-torch demo: ${server.url}/examples/web/index.html  (Ctrl-C to stop)\n`);
