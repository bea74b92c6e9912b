// The commands Python's WASMRuntime sends (JSON, tensors as base64), executed against the
// JavaScript API. Shared by the Node host and the Chromium host page, so both engines run
// exactly the same code path.
import { flatOutputs } from "../src/io.js";
import { DTYPES } from "../src/tensor.js";

function decodeBase64(text) {
  if (typeof Buffer !== "undefined") return new Uint8Array(Buffer.from(text, "base64"));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function encodeBase64(bytes) {
  if (typeof Buffer !== "undefined") return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function createHost(runtime) {
  const models = new Map();
  let nextModel = 1;

  function model(id) {
    const m = models.get(id);
    if (!m) throw new Error(`wasm-torch host: no model ${id}`);
    return m;
  }

  function toTensors(inputs) {
    return inputs.map((t) => {
      const bytes = decodeBase64(t.data);
      const Typed = Object.hasOwn(DTYPES, t.dtype) && DTYPES[t.dtype].array;
      if (!Typed) throw new Error(`wasm-torch host: unknown dtype ${t.dtype}`);
      const copy = new Uint8Array(bytes); // aligned copy for the typed view
      return runtime.createTensor(new Typed(copy.buffer, 0, copy.byteLength / Typed.BYTES_PER_ELEMENT), t.shape, t.dtype);
    });
  }

  async function withInputs(inputs, fn) {
    const tensors = toTensors(inputs);
    try {
      return await fn(tensors);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  }

  const commands = {
    info: () => ({ variant: runtime.variant, simd: runtime.hasSIMD(), threads: runtime.getThreadCount(), notes: runtime.notes,
      worker: runtime.worker === true,
      kernels: runtime.kernels, int8Dot: runtime.int8Dot }),
    // A model arrives as a path (Node), a URL (the Chromium page) or base64 bytes.
    load: async (req) => {
      const m = await runtime.loadModel(req.path || req.url || decodeBase64(req.bytes));
      const id = nextModel++;
      models.set(id, m);
      return { model: id, inputs: m.inputs, outputs: m.outputs, weightBytes: m.weightBytes, arenaBytes: m.arenaBytes };
    },
    profile: async (req) => {
      runtime.enableOperationProfiling(true);
      await withInputs(req.inputs, async (tensors) => {
        for (let i = 0; i < req.runs; i++) flatOutputs(await model(req.model).forward(tensors)).forEach((t) => t.dispose());
      });
      const data = await model(req.model).getProfilingData();  // a Promise in worker mode
      runtime.enableOperationProfiling(false);
      return { steps: data.operationTimes };
    },
    unload: (req) => {
      model(req.model).dispose();
      models.delete(req.model);
      return {};
    },
    forward: (req) => withInputs(req.inputs, async (tensors) => {
      // Flat, in the file's order: WASMRuntime rebuilds the structure in Python.
      const outputs = flatOutputs(await model(req.model).forward(tensors)).map((t) => {
        const entry = { dtype: t.dtype, shape: t.shape, data: encodeBase64(new Uint8Array(t.data.buffer, t.data.byteOffset, t.byteLength).slice()) };
        t.dispose();
        return entry;
      });
      return { outputs };
    }),
    benchmark: (req) => withInputs(req.inputs, async (tensors) => {
      // Each sample times `repeat` forwards, so browser timer granularity (5-100 us) does not
      // quantize fast models.
      const m = model(req.model);
      const repeat = req.repeat || 1;
      const times = [];
      for (let i = 0; i < req.warmup + req.iterations; i++) {
        const start = performance.now();
        for (let r = 0; r < repeat; r++) {
          flatOutputs(await m.forward(tensors)).forEach((t) => t.dispose());
        }
        if (i >= req.warmup) times.push((performance.now() - start) / repeat);
      }
      return { times_ms: times };
    }),
  };

  return async function handle(request) {
    try {
      const command = commands[request.cmd];
      if (!command) throw new Error(`wasm-torch host: unknown command ${request.cmd}`);
      return { id: request.id, ...(await command(request)) };
    } catch (e) {
      return { id: request.id, error: String(e && e.message ? e.message : e) };
    }
  };
}
