// The worker half of worker mode (see remote.js): a real Runtime inside a dedicated Worker,
// driven by messages. Inference blocks this worker, never the page's main thread, and here
// threads wait with Atomics.wait instead of spinning.
import { WASMTorch } from "./index.js";
import { flatOutputs } from "./io.js";
import { DTYPES, numel } from "./tensor.js";

let runtime = null;
const models = new Map();
let nextModel = 1;

function model(id) {
  const m = models.get(id);
  if (!m) throw new Error(`wasm-torch worker: no model ${id}`);
  return m;
}

function describe(id, m) {
  return { id, inputs: m.inputs, outputs: m.outputs, symbols: m.symbols, arenaBytes: m.arenaBytes, weightBytes: m.weightBytes,
    fileBytes: m.fileBytes, outputStructure: m.outputStructure };
}

// Inputs as typed arrays, or (remote.js's shared inputs) where they lie in `staging`.
function inputTensors(inputs, staging) {
  return inputs.map((t) => runtime.createTensor(
    staging ? new DTYPES[t.dtype].array(staging, t.offset, numel(t.shape)) : t.data, t.shape, t.dtype));
}

const handlers = {
  async init(options) {
    runtime = await WASMTorch.init({ ...options, worker: false });
    return { variant: runtime.variant, notes: runtime.notes, simd: runtime.hasSIMD(), threads: runtime.getThreadCount(),
      kernels: runtime.kernels };
  },
  async loadModel({ source, options, progress }, call) {
    const onProgress = progress ? (event) => self.postMessage({ call, progress: event }) : undefined;
    const m = await runtime.loadModel(source, { ...options, onProgress });
    const id = nextModel++;
    models.set(id, m);
    return describe(id, m);
  },
  async forward({ id, inputs, staging }) {
    const tensors = inputTensors(inputs, staging);
    try {
      const outputs = flatOutputs(await model(id).forward(tensors)).map((t) => {
        const copy = { data: t.data.slice(), shape: [...t.shape], dtype: t.dtype };
        t.dispose();
        return copy;
      });
      return { value: outputs, transfer: outputs.map((o) => o.data.buffer) };
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  },
  async benchmark({ id, inputs, staging, options }) {
    const tensors = inputTensors(inputs, staging);
    try {
      return await model(id).benchmark(tensors, options);
    } finally {
      tensors.forEach((t) => t.dispose());
    }
  },
  disposeModel({ id }) {
    model(id).dispose();
    models.delete(id);
  },
  getMemoryStats: () => runtime.getMemoryStats(),
  enableOperationProfiling: ({ on }) => runtime.enableOperationProfiling(on),
  getProfilingData: () => runtime.getProfilingData(),
  modelProfilingData: ({ id }) => model(id).getProfilingData(),
  dispose() {
    runtime.dispose();
    runtime = null;
  },
};

self.onmessage = async ({ data: { call, method, args } }) => {
  try {
    const result = await handlers[method](args, call);
    const { value, transfer } = result && result.transfer ? result : { value: result, transfer: [] };
    self.postMessage({ call, value }, transfer);
  } catch (error) {
    self.postMessage({ call, error: String(error && error.message ? error.message : error) });
  }
};
