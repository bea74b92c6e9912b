// Where each build's files are: written as `new URL("literal", import.meta.url)`, the form bundlers
// (Vite, webpack 5, Parcel, esbuild and Rollup plugins) recognise and emit as assets, and that a
// plain static server or Node resolves to dist/ as it lies. The glue is imported at run time from
// its URL, never bundled; it finds its wasm and its pthread worker script through locateFile, and
// the pthread workers find it through mainScriptUrlOrBlob (instantiate() in index.js), so the
// hashed names a bundler gives the files work. The pthread worker scripts carry `?no-inline` (Vite's
// word for "emit, never inline"; servers and other bundlers ignore the query): Vite would inline a
// file this small as a data: URL, whose worker, of an opaque origin, may not import the glue.
// tests/js/api.test.mjs checks this list against dist/ (the Makefile's WASM_VARIANTS).
export const BUILDS = {
  "relaxed-simd-threads": {
    glue: new URL("../dist/wasm-torch-relaxed-simd-threads.mjs", import.meta.url),
    wasm: new URL("../dist/wasm-torch-relaxed-simd-threads.wasm", import.meta.url),
    worker: new URL("../dist/wasm-torch-relaxed-simd-threads.worker.js?no-inline", import.meta.url),
  },
  "relaxed-simd": {
    glue: new URL("../dist/wasm-torch-relaxed-simd.mjs", import.meta.url),
    wasm: new URL("../dist/wasm-torch-relaxed-simd.wasm", import.meta.url),
  },
  "simd-threads": {
    glue: new URL("../dist/wasm-torch-simd-threads.mjs", import.meta.url),
    wasm: new URL("../dist/wasm-torch-simd-threads.wasm", import.meta.url),
    worker: new URL("../dist/wasm-torch-simd-threads.worker.js?no-inline", import.meta.url),
  },
  simd: {
    glue: new URL("../dist/wasm-torch-simd.mjs", import.meta.url),
    wasm: new URL("../dist/wasm-torch-simd.wasm", import.meta.url),
  },
  baseline: {
    glue: new URL("../dist/wasm-torch-baseline.mjs", import.meta.url),
    wasm: new URL("../dist/wasm-torch-baseline.wasm", import.meta.url),
  },
};

/**
 * The URLs of `variant`'s files: the package's own, or where init's wasmPaths puts them (as
 * onnxruntime-web's env.wasm.wasmPaths: a prefix the file names are appended to, e.g. a CDN
 * directory, or a map from file name to URL; names a map leaves out stay the package's).
 */
export function buildFiles(variant, wasmPaths, base) {
  const files = { ...BUILDS[variant] };
  if (wasmPaths === undefined) return files;
  for (const [kind, url] of Object.entries(files)) {
    const name = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);  // without the query
    if (typeof wasmPaths === "string" || wasmPaths instanceof URL) {
      files[kind] = new URL(name, new URL(wasmPaths, base));
    } else if (wasmPaths[name] !== undefined) {
      files[kind] = new URL(wasmPaths[name], base);
    }
  }
  return files;
}
