"""wasm-torch command line: export, run and info.

  wasm-torch export MODULE:FACTORY model.wtm --input-shape 1,3,224,224 [--arg num_classes=10] [--level O2]
                    [--dynamic x:0=batch,2=h,3=w] [--quantize dynamic|fp16]
  wasm-torch run model.wtm inputs.npz [-o outputs.npz (keyed by output name)] [--engine node|chromium|native]
  wasm-torch info model.wtm
"""
from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import json
import sys
import warnings

import numpy as np


def _load_factory(spec: str):
    """The callable MODULE:FACTORY names; SystemExit saying what is wrong with it otherwise."""
    module_name, _, attr = spec.partition(":")
    if not attr:
        raise SystemExit(f"error: expected MODULE:FACTORY (e.g. torchvision.models:resnet18), got {spec!r}")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise SystemExit(f"error: cannot import {module_name!r} for the factory {spec!r}: {e}")
    factory = getattr(module, attr, None)
    if not callable(factory):
        names = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n, None))]
        close = difflib.get_close_matches(attr, names, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise SystemExit(f"error: {module_name} has no factory {attr!r}{hint}")
    return factory


def _factory_kwargs(specs) -> dict:
    """["num_classes=10", "weights=None", "name=small"] -> {"num_classes": 10, "weights": None, "name": "small"}:
    each value a Python literal where it parses as one, else a string."""
    kwargs = {}
    for spec in specs or []:
        key, sep, text = spec.partition("=")
        if not sep or not key.isidentifier():
            raise SystemExit(f"error: --arg expects NAME=VALUE (e.g. num_classes=10), got {spec!r}")
        try:
            kwargs[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            kwargs[key] = text
    return kwargs


def _shape(text: str) -> tuple:
    return tuple(int(d) for d in text.split(","))


def _dynamic_axes(specs) -> dict | None:
    """["x:0=batch,1=seq", ...] -> {"x": {0: "batch", 1: "seq"}} (export_to_wasm's dynamic_axes)."""
    if not specs:
        return None
    axes = {}
    for spec in specs:
        name, _, pairs = spec.partition(":")
        try:
            axes[name] = {int(a): d for a, _, d in (p.partition("=") for p in pairs.split(","))}
        except ValueError:
            raise SystemExit(f"error: --dynamic expects INPUT:AXIS=NAME[,AXIS=NAME] (e.g. x:0=batch), got {spec!r}")
    return axes


def cmd_export(args) -> int:
    import torch
    from .export import export_to_wasm
    factory, kwargs = _load_factory(args.model), _factory_kwargs(args.arg)
    try:
        model = factory(**kwargs)
    except TypeError as e:
        raise SystemExit(f"error: {args.model}({', '.join(f'{k}={v!r}' for k, v in kwargs.items())}) failed: {e}")
    if not isinstance(model, torch.nn.Module):
        raise SystemExit(f"error: {args.model} returned a {type(model).__name__}, not a torch.nn.Module")
    model = model.eval()
    if args.quantize:
        from .optimize import quantize_for_wasm
        model = quantize_for_wasm(model, args.quantize)
    example = tuple(torch.randn(*_shape(s)) for s in args.input_shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if args.quiet else "default")
        report = export_to_wasm(model, args.output, example, optimization_level=args.level,
                                memory_layout=args.memory_layout, dynamic_axes=_dynamic_axes(args.dynamic))
    print(report)
    return 0


def _read_inputs(path: str, names: list) -> list:
    """A .npy is one input; a .npz holds the inputs under the model's input names (else in name order)."""
    if path.endswith(".npz"):
        with np.load(path) as data:
            keys = names if set(names) <= set(data.files) else sorted(data.files, key=lambda k: (len(k), k))
            return [data[k] for k in keys]
    return [np.load(path)]


def cmd_run(args) -> int:
    import torch.utils._pytree as pytree

    from .runtime import WASMRuntime
    with WASMRuntime(args.engine, threads=args.threads) as runtime:
        model = runtime.load_model(args.model)
        inputs = [a for p in args.inputs for a in _read_inputs(p, [t["name"] for t in model.inputs])]
        outputs = pytree.tree_flatten(model.forward(*inputs))[0]  # in the file's output order
        arrays = {t["name"]: o.numpy() for t, o in zip(model.outputs, outputs)}
        if args.output:
            np.savez(args.output, **arrays)
        for name, a in arrays.items():
            print(f"{name}: {a.dtype}{list(a.shape)} min {a.min():.6g} max {a.max():.6g}")
        print(f"ran on {runtime.info()}")
    return 0


def cmd_info(args) -> int:
    from .serialize import read_info_from_file
    info = read_info_from_file(args.model)
    memory = _planned_memory(args.model) if args.plan else None
    if args.json:
        print(json.dumps({**info.__dict__, **({"memory": memory} if memory else {})}, indent=2))
        return 0
    print(f"file:       {args.model} ({info.file_bytes} bytes, {info.weight_bytes} bytes of weights)")
    print(f"producer:   {info.producer}")
    for t in info.inputs:
        print(f"input:      {t['name']} {t['dtype']}[{', '.join(map(str, t['dims']))}]")
    for t in info.outputs:
        print(f"output:     {t['name']} {t['dtype']}[{', '.join(map(str, t['dims']))}]")
    for s in info.symbols:
        print(f"dimension:  {s['name']} in [{s['min']}, {'inf' if s['max'] == -1 else s['max']}]")
    print(f"ops:        {sum(info.op_counts.values())} ({', '.join(f'{k} x{v}' for k, v in sorted(info.op_counts.items()))})")
    for k, v in sorted(info.metadata.items()):
        print(f"metadata:   {k} = {v}")
    if memory:
        print(f"memory:     {_mib(memory['file_bytes'] + memory['arena_bytes'])} planned = {_mib(memory['file_bytes'])} "
              f"file (weights used in place) + {_mib(memory['arena_bytes'])} activation arena and op scratch; "
              "inference allocates nothing more")
    return 0


def _mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f} MiB"


def _planned_memory(path) -> dict:
    """The memory plan the runtime makes at load time (native runtime if built, else Node)."""
    from ._paths import NATIVE_LIBRARY
    from .runtime import WASMRuntime
    with WASMRuntime("native" if NATIVE_LIBRARY.exists() else "node") as runtime:
        model = runtime.load_model(path)
        memory = model.memory
        model.close()
    return memory


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wasm-torch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("export", help="export a model (a factory returning an nn.Module) to a model file")
    p.add_argument("model", help="MODULE:FACTORY, e.g. torchvision.models:resnet18")
    p.add_argument("output")
    p.add_argument("--arg", action="append", metavar="NAME=VALUE",
                   help="a keyword argument of the factory (a Python literal, else a string), e.g. num_classes=10; repeat")
    p.add_argument("--quantize", choices=["dynamic", "fp16"], help="quantize_for_wasm before export")
    p.add_argument("--input-shape", action="append", required=True, help="comma-separated; repeat per input")
    p.add_argument("--level", default="O2", choices=["O0", "O1", "O2", "O3"])
    p.add_argument("--memory-layout", default="nhwc", choices=["nchw", "nhwc"],
                   help="the layout convolutional networks compute in (default: nhwc)")
    p.add_argument("--dynamic", action="append", metavar="INPUT:AXIS=NAME,...",
                   help="dynamic axes of an input by the forward's parameter name, e.g. x:0=batch; repeat per input")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(fn=cmd_export)
    p = sub.add_parser("run", help="run a model file on .npy/.npz inputs")
    p.add_argument("model")
    p.add_argument("inputs", nargs="+", help=".npy files, or one .npz (arrays in name order)")
    p.add_argument("-o", "--output", help="write outputs to this .npz")
    p.add_argument("--engine", default="node", choices=["node", "chromium", "native"])
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("info", help="show a model file's inputs, outputs, ops and sizes")
    p.add_argument("model")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plan", action="store_true", help="also load the file and print the runtime's memory plan")
    p.set_defaults(fn=cmd_info)
    args = parser.parse_args(argv)
    from .errors import WASMTorchError
    try:
        return args.fn(args)
    except (WASMTorchError, OSError, ValueError) as e:
        print(f"wasm-torch: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
