"""make test-models: every zoo model (tests/fixtures: zoo, every torchvision classification and
segmentation model, the Hugging Face architectures) at its real size, exported (with verification)
and run through the wasm runtime in Node; prints and writes a table (model, ops, params, max error,
pass, export seconds). The text transformers are exported with a dynamic batch and sequence length
and also run at batch 1 and half the length from the same file.

  model_table.py [real|small] [--only NAME,...]"""
import sys
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
import hf_zoo  # noqa: E402
import vision_zoo  # noqa: E402
import zoo  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm  # noqa: E402

RTOL = 1e-3  # of each output's scale, as the torch 2.x issue states it


def entries() -> list:
    """(name, build(size) -> (model, inputs: tuple of positional or dict of keyword arguments),
    dynamic_axes or None)."""
    return ([(n, lambda size, n=n: zoo.build(n, size), None) for n in zoo.ZOO]
            + [(f"torchvision.{n}", lambda size, n=n: vision_zoo.build(n, size), None) for n in vision_zoo.names()]
            + [(f"transformers.{n}", lambda size, n=n: hf_zoo.build(n, size),
                hf_zoo.TEXT_AXES if n in hf_zoo.TEXT else None) for n in hf_zoo.HF_ZOO])


def _max_errors(got, expected) -> tuple:
    """(max abs error, max |expected|, every output within RTOL of its scale)."""
    got, expected = torch.utils._pytree.tree_flatten(got)[0], torch.utils._pytree.tree_flatten(expected)[0]
    err = max(float((g - e).abs().max()) for g, e in zip(got, expected))
    scale = max(float(e.abs().max()) for e in expected)
    ok = all(g.shape == e.shape and float((g - e).abs().max()) <= RTOL * float(e.abs().max())
             for g, e in zip(got, expected))
    return err, scale, ok


def _call(model, inputs):
    return model(**inputs) if isinstance(inputs, dict) else model(*inputs)


def main(size: str = "real", only=()) -> int:
    out_dir = ROOT / "build" / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, failures = [], 0
    with WASMRuntime("node") as runtime:
        for name, build, axes in entries():
            if only and name not in only:
                continue
            model, inputs = build(size)
            path = out_dir / f"{name}.wtm"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = export_to_wasm(model, path, inputs, verify_tolerance=RTOL, dynamic_axes=axes)
                feeds = [inputs] + ([hf_zoo.resized(inputs, 1, max(2, inputs["input_ids"].shape[1] // 2))] if axes else [])
                loaded = runtime.load_model(path)
                results = []
                for feed in feeds:
                    with torch.no_grad():
                        expected = _call(model, feed)
                    results.append(_max_errors(loaded.forward(*(feed.values() if isinstance(feed, dict) else feed)),
                                               expected))
                loaded.close()  # a wasm32 heap holds at most 4 GiB: one large model at a time
                err, scale = max(r[0] for r in results), max(r[1] for r in results)
                rows.append((name, sum(report.ops.values()), sum(p.numel() for p in model.parameters()), err, scale,
                             all(r[2] for r in results), report.export_seconds, len(feeds)))
            except Exception as e:  # report every model, then fail
                rows.append((name, 0, sum(p.numel() for p in model.parameters()), float("nan"), float("nan"), False, 0.0,
                             0))
                print(f"{name}: {type(e).__name__}: {str(e)[:400]}", file=sys.stderr)
            failures += rows[-1][5] is False
            print(f"{rows[-1][0]}: {'pass' if rows[-1][5] else 'FAIL'}", flush=True)
    lines = [f"inputs: {size} sizes; pass = every output's max error <= {RTOL} x its max |output|; "
             "engine: wasm (simd) in Node", "",
             "| model | ops | params | max abs error | max abs output | pass | export s | shapes run |",
             "|---|---:|---:|---:|---:|---|---:|---:|"]
    lines += [f"| {n} | {o} | {p / 1e6:.1f}M | {e:.2e} | {m:.3g} | {'yes' if ok else 'NO'} "
              f"| {s:.0f} | {k} |" for n, o, p, e, m, ok, s, k in rows]
    table = "\n".join(lines)
    print("\n" + table)
    (out_dir / f"table-{size}.md").write_text(table + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--only=")]
    only = {n for a in sys.argv[1:] if a.startswith("--only=") for n in a[7:].split(",")}
    sys.exit(main(args[0] if args else "real", only))
