// A Vite app as a user writes one: the npm package imported by name, nothing copied by hand.
// tests/e2e/bundlers.test.mjs builds it and runs it (dev server and production build) in Chromium;
// the page's query says how to init, window.result is what it saw.
import { WASMTorch } from "wasm-torch";

const query = new URLSearchParams(location.search);
window.result = (async () => {
  const options = { threads: Number(query.get("threads")) };
  if (query.has("worker")) options.worker = query.get("worker") === "true";
  const runtime = await WASMTorch.init(options);
  const meta = await (await fetch("/mlp.json")).json();
  const input = new Float32Array(await (await fetch("/mlp.input.bin")).arrayBuffer());
  const model = await runtime.loadModel("/mlp.wtm");
  const output = await model.forward(runtime.createTensor(input, meta.input_shape));
  const result = { variant: runtime.variant, threads: runtime.getThreadCount(), worker: runtime.worker === true,
    shape: [...output.shape], data: Array.from(output.data) };
  runtime.dispose();
  return result;
})().catch((e) => ({ error: String(e && e.stack ? e.stack : e) }));
