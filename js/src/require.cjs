// What `require("wasm-torch")` gets (package.json "exports", condition "require"): wasm-torch is an
// ES module, so CommonJS code imports it, and this says how rather than Node's generic error.
throw new Error('wasm-torch is an ES module: `import { WASMTorch } from "wasm-torch"`, or from CommonJS ' +
  '`const { WASMTorch } = await import("wasm-torch")`');
