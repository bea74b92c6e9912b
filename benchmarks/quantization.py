"""The quantization table (docs/QUANTIZATION.md): each model exported in float, dynamic int8, static
int8 and fp16, file sizes, accuracy against float, and speed against our own float build of the
same model, timed in the same engine in alternation (ratios, never bare times: the machine is shared).
Static int8 calibrates on 32 training images (the digits CNN) or 8 random batches shaped like the
example (the random-weight models).

    .venv/bin/python benchmarks/quantization.py [--models mlp,minilm] [--engines node,chromium] [--threads 1,2]
"""
from __future__ import annotations

import argparse
import datetime
import math
import statistics
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples" / "digits"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from models import build, calibration_batches  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm  # noqa: E402
from wasm_torch.optimize import quantize_for_wasm  # noqa: E402

DEFAULT_MODELS = ["digits_cnn", "mlp", "bert_base_style", "minilm", "transformer_encoder", "resnet18", "mobilenet_v2",
                  "efficientnet_b0"]
ROUNDS = 5  # alternations of float and the quantized files; each a median of in-engine forwards
KINDS = ("dynamic", "static", "fp16")


def digits_cnn():
    """The demo's CNN trained on scikit-learn's digits, its held-out set to measure accuracy on, and
    32 training images to calibrate on."""
    import demo
    x_train, x_test, y_train, y_test = demo.load_data()
    calibration = [torch.from_numpy(x_train[i:i + 1]) for i in range(32)]
    return demo.train(x_train, y_train), (torch.from_numpy(x_test[:1]),), (x_test, y_test), calibration


def accuracy_note(name, model, inputs, float_model, quant_model, held_out) -> str:
    """How far the quantized file is from float, by what means something for the model."""
    if held_out is not None:
        x_test, y_test = held_out
        batch = torch.from_numpy(x_test)
        with torch.no_grad():
            eager = (model(batch).argmax(1).numpy() == y_test).mean()
        float_acc = np.mean([int(float_model.forward(batch[i:i + 1]).argmax()) == y for i, y in enumerate(y_test)])
        quant_acc = np.mean([int(quant_model.forward(batch[i:i + 1]).argmax()) == y for i, y in enumerate(y_test)])
        return f"held-out accuracy {100 * quant_acc:.2f}% vs {100 * float_acc:.2f}% float (eager {100 * eager:.2f}%)"
    with torch.no_grad():
        expected = model(*inputs)
    got = quant_model.forward(*inputs)
    if name == "minilm":
        cosine = torch.nn.functional.cosine_similarity(got, expected)
        return f"embedding cosine vs float: min {float(cosine.min()):.4f} (real weights)"
    relative = float((got - expected).abs().max() / expected.abs().max())
    agree = float((got.reshape(-1, got.shape[-1]).argmax(-1) == expected.reshape(-1, expected.shape[-1]).argmax(-1))
                  .float().mean())
    return f"max error {100 * relative:.2f}% of scale, argmax agreement {100 * agree:.0f}% (random weights)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--engines", default="node,chromium")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M")  # in the file name: runs never overwrite each other
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.models.split(","):
            held_out = None
            if name == "digits_cnn":
                model, inputs, held_out, calibration = digits_cnn()
            else:
                model, inputs = build(name)
                calibration = calibration_batches(inputs)
            paths = {kind: Path(tmp) / f"{name}-{kind}.wtm" for kind in ("float", *KINDS)}
            reports = {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reports["float"] = export_to_wasm(model, paths["float"], inputs, verify=False)
                for kind in KINDS:
                    quantized = quantize_for_wasm(model, kind, calibration_data=calibration if kind == "static" else None)
                    reports[kind] = export_to_wasm(quantized, paths[kind], inputs)
            model_rows = {kind: {"model": name, "type": kind, "size": reports["float"].file_bytes / reports[kind].file_bytes,
                                 "layers": f"{reports[kind].quantized_layers()}/{len(reports[kind].quantization)}"}
                          for kind in KINDS}
            with WASMRuntime("native") as rt:
                float_model = rt.load_model(paths["float"])
                for kind in KINDS:
                    model_rows[kind]["accuracy"] = accuracy_note(name, model, inputs, float_model,
                                                                 rt.load_model(paths[kind]), held_out)
            for engine in args.engines.split(","):
                for threads in map(int, args.threads.split(",")):
                    with WASMRuntime(engine, threads=threads) as rt:
                        loaded = {kind: rt.load_model(p) for kind, p in paths.items()}
                        # A sample lasts at least 1 ms: browser timers tick in 5 us steps.
                        probe = statistics.median(loaded["float"].benchmark(*inputs, iterations=3, warmup=2))
                        repeat = max(1, math.ceil(1.0 / max(probe, 1e-3)))
                        times = {kind: [] for kind in loaded}
                        for _ in range(ROUNDS):
                            for kind, m in loaded.items():
                                times[kind].append(statistics.median(
                                    m.benchmark(*inputs, iterations=10, warmup=3, repeat=repeat)))
                    for kind in KINDS:
                        model_rows[kind][f"{engine}-{threads}t"] = \
                            statistics.median(times["float"]) / statistics.median(times[kind])
            for row in model_rows.values():
                print(row, flush=True)
                rows.append(row)
    speed_columns = [k for k in rows[0] if k not in ("model", "type", "size", "layers", "accuracy")]
    lines = ["| model | type | layers quantized | file smaller | " + " | ".join(f"speed-up {c}" for c in speed_columns)
             + " | accuracy |", "|---" * (5 + len(speed_columns)) + "|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['type']} | {r['layers']} | {r['size']:.2f}x | "
                     + " | ".join(f"{r[c]:.2f}x" for c in speed_columns) + f" | {r['accuracy']} |")
    table = "\n".join(lines)
    models = args.models.split(",")
    subset = "" if models == DEFAULT_MODELS else "-" + "-".join(models)  # a partial run never overwrites a full one
    out = Path(args.out) / f"quantization-{stamp}{subset}.md"
    out.write_text(f"# Dynamic INT8, static INT8 and fp16 against float, {stamp}\n\n`{' '.join(sys.argv)}`\n\n{table}\n")
    print(table)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
