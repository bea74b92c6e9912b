// Prepended (--extern-pre-js) to emscripten 3.1.6's ES-module glue: on Node it expects the
// CommonJS `require` and `__dirname`, which ES modules lack. Module-scoped, so no globals leak.
var require, __dirname;
if (typeof process === "object" && process.versions && process.versions.node) {
  const { createRequire } = await import("node:module");
  const { fileURLToPath } = await import("node:url");
  require = createRequire(import.meta.url);
  __dirname = fileURLToPath(new URL(".", import.meta.url));
}
