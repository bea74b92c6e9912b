// Where loadModel's bytes come from: bytes in memory, a file (Node), or a URL fetched with progress
// events, from a cache when asked (the Cache API in browsers, a directory in Node), checked against
// an SRI integrity hash before use. The bytes land in WebAssembly memory as they arrive: a fetch
// streams chunks into the buffer the runtime then owns, a file is read straight into it, so no
// full copy of the model exists beside the heap (a cache write after a miss streams back out of it).
import { isNode, nodeModule } from "./features.js";

const LOAD_OPTIONS = ["onProgress", "cache", "integrity"];
const CACHE_NAME = "wasm-torch-models";
const FILE_CHUNK = 4 << 20;  // bytes per progress event reading a file, and per cache write
const SRI_ALGORITHMS = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

/**
 * loadModel's options, checked: onProgress({loaded, total, fromCache}) (total null when the server
 * does not say), cache (true: the default store; a string: the Cache API cache name in browsers,
 * the directory in Node), integrity ("sha256-<base64>", as a script tag's integrity attribute).
 */
export function checkLoadOptions(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") throw new TypeError(`wasm-torch: loadModel's options must be an object, got ${typeof options}`);
  for (const key of Object.keys(options)) {
    if (!LOAD_OPTIONS.includes(key)) {
      throw new Error(`wasm-torch: unknown loadModel option ${JSON.stringify(key)}; the options are ${LOAD_OPTIONS.join(", ")}`);
    }
  }
  const { onProgress, cache, integrity } = options;
  if (onProgress !== undefined && typeof onProgress !== "function") throw new TypeError("wasm-torch: onProgress must be a function");
  if (cache !== undefined && typeof cache !== "boolean" && (typeof cache !== "string" || cache === "")) {
    throw new TypeError("wasm-torch: cache must be true, false or a non-empty name (browser cache) / directory (Node)");
  }
  if (integrity !== undefined) parseIntegrity(integrity);
  return { onProgress, cache: cache || false, integrity };
}

function parseIntegrity(integrity) {
  const match = typeof integrity === "string" && /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(integrity.trim());
  if (!match) {
    throw new TypeError(`wasm-torch: integrity must be "sha256-<base64 digest>" (or sha384-/sha512-), got ${JSON.stringify(integrity)}`);
  }
  return { algorithm: SRI_ALGORITHMS[match[1]], prefix: match[1], digest: match[2] };
}

// The model's bytes in WebAssembly memory, growing as chunks arrive; `heap` is the runtime's
// {alloc, free, view} (view() again after every alloc: growing memory replaces the buffer).
class HeapBytes {
  constructor(heap, capacity) {
    this._heap = heap;
    this.capacity = Math.max(capacity, 1);
    this.ptr = heap.alloc(this.capacity);
    this.length = 0;
  }

  // Room for `bytes` more at the end: a view of it to write into.
  reserve(bytes) {
    if (this.length + bytes > this.capacity) {
      const capacity = Math.max(this.length + bytes, 2 * this.capacity);
      const ptr = this._heap.alloc(capacity);
      this._heap.view().copyWithin(ptr, this.ptr, this.ptr + this.length);
      this._heap.free(this.ptr);
      this.ptr = ptr;
      this.capacity = capacity;
    }
    return this._heap.view().subarray(this.ptr + this.length, this.ptr + this.length + bytes);
  }

  append(chunk) {
    this.reserve(chunk.length).set(chunk);
    this.length += chunk.length;
  }

  view() {
    return this._heap.view().subarray(this.ptr, this.ptr + this.length);
  }

  free() {
    this._heap.free(this.ptr);
  }
}

function isHttp(source) {
  return /^https?:/i.test(source instanceof URL ? source.href : String(source));
}

/**
 * Reads `source` into WebAssembly memory; returns {ptr, length} (the caller owns ptr, from
 * heap.alloc). Throws a clear error on a failed fetch, a missing file or an integrity mismatch,
 * having freed what it allocated.
 */
export async function readModel(source, options, heap) {
  const { onProgress, cache, integrity } = options;
  const progress = (loaded, total, fromCache) => onProgress && onProgress({ loaded, total, fromCache });
  const expected = integrity === undefined ? null : parseIntegrity(integrity);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    if (cache) heap.log.warn("loadModel: cache applies to models fetched from http(s) URLs; these are bytes already in memory");
    const model = new HeapBytes(heap, bytes.length);
    model.append(bytes);
    progress(bytes.length, bytes.length, false);
    return finish(model, expected, "the model's bytes");
  }
  if (isNode && !isHttp(source)) {
    if (cache) heap.log.warn("loadModel: cache applies to models fetched from http(s) URLs; this is a local file");
    const path = source instanceof URL ? source : String(source);
    return finish(await readFileInto(path, heap, (loaded, total) => progress(loaded, total, false)), expected, String(source));
  }
  const url = source instanceof URL ? source.href : String(source);
  const store = cache ? await openStore(cache, url, integrity) : null;
  if (store) {
    const cached = await store.read(heap, (loaded, total) => progress(loaded, total, true));
    if (cached) {
      try {
        return await finish(cached, expected, url);
      } catch {  // a corrupt or stale entry: dropped, and the model fetched again
        heap.log.warn(`loadModel: the cached copy of ${url} failed its integrity check; fetching it again`);
        await store.remove();
      }
    }
  }
  const model = await fetchInto(url, heap, (loaded, total) => progress(loaded, total, false));
  const result = await finish(model, expected, url);
  if (store) {
    try {
      await store.write(model);
    } catch (error) {  // a full quota or a read-only directory costs the cache, not the load
      heap.log.warn(`loadModel: could not cache ${url}: ${error.message}`);
    }
  }
  return result;
}

async function finish(model, expected, what) {
  if (expected) {
    let actual;
    try {
      actual = await digest(model.view(), expected.algorithm);
    } catch (error) {
      model.free();
      throw error;
    }
    if (actual !== expected.digest) {
      model.free();
      throw new Error(`wasm-torch: integrity check failed for ${what}: expected ${expected.prefix}-${expected.digest}, ` +
        `got ${expected.prefix}-${actual}`);
    }
  }
  return { ptr: model.ptr, length: model.length };
}

async function digest(bytes, algorithm) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) {
    throw new Error("wasm-torch: integrity needs crypto.subtle, which pages have only in a secure context (https or localhost)");
  }
  // WebCrypto takes no views of shared memory (the threaded builds'): those are hashed from a copy.
  const input = typeof SharedArrayBuffer !== "undefined" && bytes.buffer instanceof SharedArrayBuffer ? bytes.slice() : bytes;
  const hash = new Uint8Array(await subtle.digest(algorithm, input));
  let binary = "";
  for (const byte of hash) binary += String.fromCharCode(byte);
  return btoa(binary);
}

async function readFileInto(path, heap, progress) {
  const { open } = await nodeModule("fs/promises");
  const file = await open(path, "r");
  try {
    const total = (await file.stat()).size;
    const model = new HeapBytes(heap, total);
    try {
      while (model.length < total) {
        const { bytesRead } = await file.read(model.reserve(Math.min(FILE_CHUNK, total - model.length)), 0);
        if (bytesRead === 0) throw new Error(`wasm-torch: ${path} shrank while it was read`);
        model.length += bytesRead;
        progress(model.length, total);
      }
    } catch (error) {
      model.free();
      throw error;
    }
    if (total === 0) progress(0, 0);
    return model;
  } finally {
    await file.close();
  }
}

async function fetchInto(url, heap, progress) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`wasm-torch: fetching ${url} failed: HTTP ${response.status}`);
  return streamInto(response, heap, progress);
}

// A response's body into WebAssembly memory, chunk by chunk, reporting progress. Its length is
// known when the server sends Content-Length for an unencoded body (an encoded one's is the
// compressed size: the buffer then grows as needed).
async function streamInto(response, heap, progress) {
  const declared = Number(response.headers.get("content-length"));
  const total = declared > 0 && !response.headers.get("content-encoding") ? declared : null;
  const model = new HeapBytes(heap, total || 1 << 20);
  try {
    if (!response.body) {
      model.append(new Uint8Array(await response.arrayBuffer()));
      progress(model.length, total);
      return model;
    }
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      model.append(value);
      progress(model.length, total);
    }
    return model;
  } catch (error) {
    model.free();
    throw error;
  }
}

// The cache, keyed by URL and, when given, integrity (a new hash never gets the old bytes).
async function openStore(cache, url, integrity) {
  const key = integrity ? `${url}#${integrity}` : url;
  if (isNode) return nodeStore(typeof cache === "string" ? cache : null, key);
  if (typeof caches === "undefined") {
    throw new Error("wasm-torch: cache needs the Cache API, which pages have only in a secure context (https or localhost)");
  }
  const store = await caches.open(typeof cache === "string" ? cache : CACHE_NAME);
  return {
    async read(heap, progress) {
      const hit = await store.match(key);
      return hit ? streamInto(hit, heap, progress) : null;
    },
    remove: () => store.delete(key),
    // Streamed out of wasm memory a slice at a time (no full copy), before the runtime owns it.
    write: (model) => store.put(key, new Response(sliceStream(model), { headers: { "content-length": String(model.length) } })),
  };
}

// A HeapBytes' bytes as a stream of copied slices (its view is taken again for each: memory may
// grow meanwhile, which replaces the buffer).
function sliceStream(model) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= model.length) {
        controller.close();
        return;
      }
      controller.enqueue(model.view().slice(offset, offset + FILE_CHUNK));
      offset += FILE_CHUNK;
    },
  });
}

async function nodeStore(directory, key) {
  const { mkdir, open, rename, rm } = await nodeModule("fs/promises");
  const { join } = await nodeModule("path");
  const { homedir } = await nodeModule("os");
  const { createHash } = await nodeModule("crypto");
  const dir = directory || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "wasm-torch");
  const path = join(dir, `${createHash("sha256").update(key).digest("hex")}.wtm`);
  return {
    async read(heap, progress) {
      try {
        return await readFileInto(path, heap, progress);
      } catch (error) {
        if (error.code === "ENOENT") return null;
        throw error;
      }
    },
    remove: () => rm(path, { force: true }),
    async write(model) {  // to a temporary name, then renamed: a reader never sees half a file
      await mkdir(dir, { recursive: true });
      const partial = `${path}.${process.pid}.partial`;
      const file = await open(partial, "w");
      try {
        for (let offset = 0; offset < model.length; offset += FILE_CHUNK) {
          await file.write(model.view().subarray(offset, Math.min(model.length, offset + FILE_CHUNK)));
        }
      } finally {
        await file.close();
      }
      await rename(partial, path);
    },
  };
}
