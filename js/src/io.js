// A model's inputs by position or by name, and its outputs in the structure the PyTorch model
// returned (the file's "output_structure": a tensor, a tuple/list, or a dict by key), for the
// direct and the worker runtime alike.

/** forward()'s arguments as the positional list: tensors, one array of them, or one object by input name. */
export function positionalInputs(inputNames, args, isTensor) {
  if (args.length === 1 && Array.isArray(args[0])) return args[0];
  const plainObject = (v) => v !== null && typeof v === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(v));
  if (args.length !== 1 || !plainObject(args[0]) || isTensor(args[0])) return args;  // a typed array: "not a Tensor"
  const byName = args[0];
  const unknown = Object.keys(byName).filter((name) => !inputNames.includes(name));
  if (unknown.length) {
    throw new Error(`wasm-torch: the model has no input named ${unknown.join(", ")} (its inputs: ${inputNames.join(", ")})`);
  }
  const missing = inputNames.filter((name) => !(name in byName));
  if (missing.length) throw new Error(`wasm-torch: input ${missing.join(", ")} missing (its inputs: ${inputNames.join(", ")})`);
  return inputNames.map((name) => byName[name]);
}

/** The flat outputs in the model's output structure (without one: a tensor, or an array of several). */
export function structuredOutputs(structure, outputs) {
  if (structure === undefined) return outputs.length === 1 ? outputs[0] : outputs;
  let next = 0;
  const build = (node) => {
    if (node === null) return outputs[next++];
    if (node.dict) return Object.fromEntries(node.dict.map(([key, child]) => [key, build(child)]));
    return (node.tuple || node.list).map(build);
  };
  return build(structure);
}

/** The tensors of a structured result, in order (what structuredOutputs was given). */
export function flatOutputs(result) {
  if (Array.isArray(result)) return result.flatMap(flatOutputs);
  if (result && typeof result === "object" && result.constructor === Object) return Object.values(result).flatMap(flatOutputs);
  return [result];
}

/** The file's output structure, parsed ("null" is one tensor); undefined when the file has none. */
export function parseStructure(text) {
  return text ? JSON.parse(text) : undefined;
}
