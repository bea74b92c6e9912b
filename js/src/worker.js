// The worker half of worker mode (see remote.js): a real Runtime inside a dedicated Worker,
// driven by messages, and its forwards through shared memory where the page opens a channel
// (channel.js). Inference blocks this worker, never the page's main thread, and here threads wait
// with Atomics.wait instead of spinning.
import * as channel from "./channel.js";
import { WASMTorch } from "./index.js";
import { DTYPES, numel } from "./tensor.js";

let runtime = null;
const models = new Map();
let nextModel = 1;

// The forward channel (channel.js), once the page opens one: its buffers, the page's requests and
// messages seen so far, and outputs that did not fit its payload (handed over at the next growth).
let forwards = null;
let handlersRunning = 0;

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
      kernels: runtime.kernels, int8Dot: runtime.int8Dot };
  },
  async loadModel({ source, options, progress }, call) {
    const onProgress = progress ? (event) => self.postMessage({ call, progress: event }) : undefined;
    const m = await runtime.loadModel(source, { ...options, onProgress });
    const id = nextModel++;
    models.set(id, m);
    return describe(id, m);
  },
  async forward({ id, inputs, staging }) {
    const outputs = copied(forwardInPlace(id, inputTensors(inputs, staging)));
    return { value: outputs, transfer: outputs.map((o) => o.data.buffer) };
  },
  // The page's control words; the reply names the payload (channel.js).
  openChannel({ control }) {
    // The worker watches for the next request only with a core to spare for the page, which must
    // run to send it (at 2 threads on 2 cores, watching made the bench's MLP slower: 287 us a
    // forward for 231 without).
    const spinMs = navigator.hardwareConcurrency > runtime.getThreadCount() ? channel.kWorkerSpinMs : 0;
    forwards = { control, words: new Int32Array(control), payload: payloadPlace(channel.kFirstPayloadBytes), spinMs,
      requests: 0, messages: 0, oversized: null };
    return forwards.payload;
  },
  // A payload of `bytes` for the page; the reply carries the outputs that did not fit the last one.
  growChannel({ bytes }) {
    const payload = payloadPlace(bytes);
    if (forwards.payload.memory) runtime._free(forwards.payload.address);
    forwards.payload = payload;
    const outputs = forwards.oversized || [];
    forwards.oversized = null;
    return { value: { payload, outputs }, transfer: outputs.map((o) => o.data.buffer) };
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
    forwards = null;  // nothing more to serve: the page terminates this worker
  },
};

// One forward of model `id` on `inputs` (tensors of the runtime, disposed here); its outputs stay
// in the runtime's memory (Model._outputViews) until the next forward.
function forwardInPlace(id, inputs) {
  const m = model(id);
  try {
    m._run(inputs);
  } finally {
    inputs.forEach((t) => t.dispose());
  }
  return m._outputViews();
}

// A payload of `bytes` (channel.js): a block of the runtime's memory where that is shared, else a
// SharedArrayBuffer. Described as channel.payloadView reads it.
function payloadPlace(bytes) {
  const memory = runtime._m.wasmMemory;
  if (memory && memory.buffer instanceof SharedArrayBuffer) return { memory, address: runtime._alloc(bytes), bytes };
  return { buffer: new SharedArrayBuffer(bytes), address: 0, bytes };
}

// The forward the channel asks for, on the inputs in its payload: where they lie when the payload is
// the runtime's memory, else copied into it.
function forwardRequested(id, payload) {
  const inputs = channel.readTensors(forwards.control, payload);
  if (!forwards.payload.memory) {
    return forwardInPlace(id, inputs.map((t) => runtime.createTensor(t.data, t.shape, t.dtype)));
  }
  const m = model(id);
  m._runOn(inputs.map((t) => ({ address: t.data.byteOffset, bytes: t.data.byteLength, dtype: t.dtype, shape: t.shape })));
  return m._outputViews();
}

// Outputs copied out of the runtime's memory, {data, shape, dtype}: what a message transfers.
const copied = (outputs) => outputs.map((t) => ({ data: t.data.slice(), shape: [...t.shape], dtype: t.dtype }));

const errorText = (error) => String(error && error.message ? error.message : error);

// Answers the channel's forward request: outputs, an error, or "too large" (outputs kept for growChannel).
function answerForward() {
  const { control, words } = forwards;
  forwards.requests++;
  let status = channel.REPLY_OUTPUTS;
  let payload = channel.payloadView(forwards.payload);
  try {
    const outputs = forwardRequested(Atomics.load(words, channel.MODEL), payload);
    // Written into the payload straight from the model's memory: outputs can be tens of MB (a
    // decoder's logits: 26 MB for GPT-2 at 128 tokens), milliseconds a copy. Viewed again: the
    // forward may have grown the memory.
    payload = channel.payloadView(forwards.payload);
    const bytes = channel.payloadBytes(outputs);
    if (bytes > payload.byteLength || !channel.writeTensors(control, payload, outputs)) {
      forwards.oversized = copied(outputs);
      channel.writeCount(control, bytes);
      status = channel.REPLY_TOO_LARGE;
    }
  } catch (error) {
    payload = channel.payloadView(forwards.payload);
    const text = new TextEncoder().encode(errorText(error)).subarray(0, payload.byteLength);
    payload.set(text);
    channel.writeCount(control, text.length);
    status = channel.REPLY_ERROR;
  }
  channel.stampReply(control);
  Atomics.store(words, channel.STATUS, status);
  Atomics.add(words, channel.REPLIES, 1);
  Atomics.notify(words, channel.REPLIES);
}

// With a channel open: answers forwards as they come and, while no message is due and no handler is
// running, sleeps in Atomics.wait. Otherwise it returns to the event loop, watching the channel
// with waitAsync so a forward is answered while, say, a loadModel awaits its fetch.
let serving = false, watching = false;
async function serveForwards() {
  if (!forwards || serving) return;
  serving = true;
  try {
    const { words } = forwards;  // the control words, one view for the channel's life
    for (;;) {
      const events = Atomics.load(words, channel.EVENTS);
      if (Atomics.load(words, channel.REQUESTS) > forwards.requests) {
        answerForward();
        // A page in a forward loop asks again within tens of microseconds: watching for it here
        // saves the wake-up from Atomics.wait (a 30 us forward at 1 thread: 105-125 us a round
        // trip in Chromium without this, 80-85 us with it).
        const start = performance.now();
        while (Atomics.load(words, channel.EVENTS) === events && performance.now() - start < forwards.spinMs) { /* spin */ }
      } else if (handlersRunning > 0 || Atomics.load(words, channel.MESSAGES) > forwards.messages) {
        break;
      } else {
        Atomics.wait(words, channel.EVENTS, events);
      }
    }
  } finally {
    serving = false;
  }
  if (watching) return;
  watching = true;
  const { words } = forwards;
  const wait = Atomics.waitAsync(words, channel.EVENTS, Atomics.load(words, channel.EVENTS));
  (wait.async ? wait.value : Promise.resolve()).then(() => {
    watching = false;
    serveForwards();
  });
}

self.onmessage = async ({ data: { call, method, args } }) => {
  if (forwards) forwards.messages++;
  handlersRunning++;
  try {
    const result = await handlers[method](args, call);
    const { value, transfer } = result && result.transfer ? result : { value: result, transfer: [] };
    self.postMessage({ call, value }, transfer);
  } catch (error) {
    self.postMessage({ call, error: errorText(error) });
  } finally {
    handlersRunning--;
    serveForwards();
  }
};
