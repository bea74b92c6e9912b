// Tensors live in the runtime's WebAssembly memory, so inputs are not copied again at forward
// time; dispose() frees them (the seed API's explicit cleanup).

import { DTYPE_CODES } from "./contract.js";

// Each dtype's code (the schema's, via the generated contract) and the typed array that holds it.
const ARRAYS = {
  float32: Float32Array, float16: Uint16Array, int64: BigInt64Array, int32: Int32Array, int8: Int8Array,
  uint8: Uint8Array, bool: Uint8Array,
};
export const DTYPES = Object.fromEntries(
  Object.entries(DTYPE_CODES).map(([name, code]) => [name, { code, array: ARRAYS[name] }]));

export function dtypeName(code) {
  const name = Object.keys(DTYPES).find((k) => DTYPES[k].code === code);
  if (!name) throw new Error(`wasm-torch: unknown dtype code ${code}`);
  return name;
}

export function inferDtype(data) {
  if (data instanceof Float32Array || Array.isArray(data)) return "float32";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof BigInt64Array) return "int64";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array) return "uint8";
  throw new Error(`wasm-torch: cannot infer a dtype from ${data && data.constructor ? data.constructor.name : typeof data}`);
}

export function numel(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

/** createTensor's arguments, checked and completed: {typed, shape, dtype} (typed may be `data`). */
export function checkedTensorData(data, shape, dtype) {
  if (!Array.isArray(data) && !ArrayBuffer.isView(data)) {
    throw new Error(`wasm-torch: createTensor's data must be an array or a typed array, got ${describe(data)}`);
  }
  dtype = dtype || inferDtype(data);
  if (!Object.hasOwn(DTYPES, dtype)) {
    throw new Error(`wasm-torch: unknown dtype ${describe(dtype)} (one of ${Object.keys(DTYPES).join(", ")})`);
  }
  shape = shape === undefined || shape === null ? [data.length] : shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new Error(`wasm-torch: createTensor's shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  if (numel(shape) !== data.length) {
    throw new Error(`wasm-torch: ${data.length} values do not fill shape [${shape}] (${numel(shape)} elements)`);
  }
  const array = DTYPES[dtype].array;
  const typed = data instanceof array ? data : array === BigInt64Array ? toBigInt64(data) : array.from(data);
  return { typed, shape, dtype };
}

/** int64 data given as numbers (or BigInts): each must be an integer a double holds exactly. */
function toBigInt64(data) {
  const out = new BigInt64Array(data.length);
  for (let i = 0; i < data.length; ++i) {
    const v = data[i];
    if (typeof v === "bigint") out[i] = v;
    else if (Number.isSafeInteger(v)) out[i] = BigInt(v);
    else {
      throw new Error(`wasm-torch: int64 value ${i} is ${describe(v)}, not an integer; ` +
        "pass integers up to 2^53 as numbers, or a BigInt64Array");
    }
  }
  return out;
}

function describe(value) {
  if (Array.isArray(value)) return `[${value.map(describe).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (value && typeof value === "object") return value.constructor ? value.constructor.name : "an object";
  return String(value);
}

export class Tensor {
  /** @internal use runtime.createTensor */
  constructor(runtime, ptr, shape, dtype) {
    this._runtime = runtime;
    this._ptr = ptr;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = numel(shape);
    this.byteLength = this.size * DTYPES[dtype].array.BYTES_PER_ELEMENT;
    runtime._tensorCreated(this.byteLength);
  }

  get disposed() {
    return this._ptr === 0;
  }

  /** A typed-array view of the data in WebAssembly memory, valid until dispose() (copy it to keep it). */
  get data() {
    if (this.disposed) throw new Error("wasm-torch: this tensor was disposed");
    return new DTYPES[this.dtype].array(this._runtime._heap().buffer, this._ptr, this.size);
  }

  /** A copy of the data as a plain JavaScript array. */
  toArray() {
    return Array.from(this.data);
  }

  dispose() {
    if (!this.disposed) {
      this._runtime._free(this._ptr);
      this._ptr = 0;
      this._runtime._tensorFreed(this.byteLength);
    }
  }
}
