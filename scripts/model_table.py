"""make test-models: every zoo model at its real size, exported (with verification) and run
through the wasm runtime in Node; prints and writes a table (model, ops, params, max error, pass)."""
import sys
import time
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from zoo import ZOO, build  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm  # noqa: E402

RTOL, ATOL = 1e-3, 1e-4


def main(size: str = "real") -> int:
    out_dir = ROOT / "build" / "models"
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, failures = [], 0
    with WASMRuntime("node") as runtime:
        for name in ZOO:
            started = time.perf_counter()
            model, inputs = build(name, size)
            path = out_dir / f"{name}.wtm"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    report = export_to_wasm(model, path, inputs, verify_tolerance=RTOL)
                with torch.no_grad():
                    expected = model(*inputs)
                expected = torch.utils._pytree.tree_flatten(expected)[0]
                loaded = runtime.load_model(path)
                got = torch.utils._pytree.tree_flatten(loaded.forward(*inputs))[0]
                loaded.close()  # the wasm heap holds at most 2 GiB: one large model at a time
                err = max(float((g - e).abs().max()) for g, e in zip(got, expected))
                scale = max(float(e.abs().max()) for e in expected)
                # rtol/atol as the coverage issue states them, and scale-free (some outputs are below atol).
                ok = all(torch.allclose(g, e, rtol=RTOL, atol=ATOL) for g, e in zip(got, expected)) and err <= RTOL * scale

                rows.append((name, sum(report.ops.values()), sum(p.numel() for p in model.parameters()), err, scale, ok,
                             time.perf_counter() - started))
            except Exception as e:  # report every model, then fail
                rows.append((name, 0, sum(p.numel() for p in model.parameters()), float("nan"), float("nan"), False, 0.0))
                print(f"{name}: {type(e).__name__}: {str(e)[:400]}", file=sys.stderr)
            failures += not rows[-1][5]
            print(f"{rows[-1][0]}: {'pass' if rows[-1][5] else 'FAIL'}", flush=True)
    lines = [f"inputs: {size} sizes; pass = within rtol {RTOL} / atol {ATOL} and max error <= {RTOL} x max |output|; "
             "engine: wasm (simd) in Node", "",
             "| model | ops | params | max abs error | max abs output | pass | seconds |", "|---|---:|---:|---:|---:|---|---:|"]
    lines += [f"| {n} | {o} | {p / 1e6:.1f}M | {e:.2e} | {m:.3g} | {'yes' if ok else 'NO'} | {s:.0f} |"
              for n, o, p, e, m, ok, s in rows]
    table = "\n".join(lines)
    print("\n" + table)
    (out_dir / f"table-{size}.md").write_text(table + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "real"))
