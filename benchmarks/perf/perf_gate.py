"""The deterministic performance gate: instruction counts of fixed kernel and model workloads
(benchmarks/perf/perf_probe.cc, native build) under valgrind's callgrind, against the baseline
committed in benchmarks/perf/baseline.json for the same toolchain. A workload more than THRESHOLD
above its baseline fails, with the functions whose counts moved most. Wall-clock speed stays
`make bench`'s; these counts do not move with the machine's load.

    python benchmarks/perf/perf_gate.py check      (make test-perf runs it through tests/perf)
    python benchmarks/perf/perf_gate.py baseline   (make perf-baseline: after a deliberate change,
                                                    committed with the reason in the message)
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "build" / "native" / "wt_perf_probe"
BASELINE = Path(__file__).with_name("baseline.json")
THRESHOLD = 0.03
TOP_FUNCTIONS = 12
MODEL_RUNS = 3


def toolchain() -> str:
    """What the counts depend on besides the code: the compiler, and SIMDe (the native SIMD128)."""
    cache = (ROOT / "build" / "native" / "CMakeCache.txt").read_text()
    compiler = re.search(r"^CMAKE_CXX_COMPILER:\w+=(.*)$", cache, re.M).group(1)
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    simde = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libsimde-dev"], capture_output=True, text=True)
    return f"{version} | simde {simde.stdout.strip() or '?'}"


def callgrind(args: list) -> dict:
    """{"total": instructions inside wt_perf_collect, "functions": the top functions' own counts}."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        run = subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=wt_perf_collect",
                              f"--callgrind-out-file={out}", str(PROBE), *map(str, args)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"wt_perf_probe {' '.join(map(str, args))}: {run.stderr.strip()[-800:]}")
        total = int(re.search(r"Collected : (\d+)", run.stderr).group(1))
        annotate = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", str(out)],
                                  capture_output=True, text=True, check=True).stdout
    functions = {}
    for line in annotate.splitlines():
        found = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(?:\S*:)?(\S.*?)(?: \[.*\])?$", line)
        if found and not line.strip().startswith(("Ir", "--")) and "PROGRAM TOTALS" not in line:
            functions[found.group(2)] = int(found.group(1).replace(",", ""))
    top = dict(sorted(functions.items(), key=lambda kv: -kv[1])[:TOP_FUNCTIONS])
    return {"total": total, "functions": top}


def kernel_names() -> list:
    return subprocess.run([str(PROBE), "list"], capture_output=True, text=True, check=True).stdout.split()


def export_models(directory: Path) -> dict:
    """Small models, one per path a forward takes (f32 linears, dynamic int8 and fp16 linears, an NHWC
    convnet: Winograd, depthwise, 1x1 and pooling, in float and in static int8; an encoder layer:
    attention, layer norm, GELU),
    exported deterministically (fixed seeds, no timestamps in the file). name -> file."""
    import torch
    from wasm_torch import export_to_wasm
    from wasm_torch.optimize import quantize_for_wasm

    def mlp():
        return torch.nn.Sequential(torch.nn.Linear(256, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512),
                                   torch.nn.ReLU(), torch.nn.Linear(512, 10)), torch.randn(1, 256)

    def convnet():
        return torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.BatchNorm2d(32), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
            torch.nn.Conv2d(32, 32, 3, padding=1, groups=32), torch.nn.Conv2d(32, 64, 1), torch.nn.ReLU6(),
            torch.nn.MaxPool2d(2), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
            torch.nn.Linear(64, 10)), torch.randn(1, 3, 32, 32)

    def encoder():
        layer = torch.nn.TransformerEncoderLayer(64, 4, 128, batch_first=True, dropout=0.0, activation="gelu")
        return torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False), torch.randn(1, 16, 64)

    files = {}
    for name, make, quantization in [("model_mlp", mlp, None), ("model_mlp_int8", mlp, "dynamic"),
                                     ("model_mlp_fp16", mlp, "fp16"),
                                     ("model_convnet_nhwc", convnet, None), ("model_convnet_int8", convnet, "static"),
                                     ("model_encoder", encoder, None)]:
        torch.manual_seed(0)
        model, x = make()
        model.eval()
        files[name] = directory / f"{name}.wtm"
        if quantization is not None:
            model = quantize_for_wasm(model, quantization, calibration_data=[x] if quantization == "static" else None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            export_to_wasm(model, files[name], x, verify=False)
    return files


def measure_all() -> dict:
    """name -> counts for every workload."""
    results = {name: callgrind(["kernel", name]) for name in kernel_names()}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in export_models(Path(tmp)).items():
            results[name] = callgrind(["model", path, MODEL_RUNS])
    return results


def regressions(baseline: dict, measured: dict, threshold: float = THRESHOLD) -> list:
    """[(workload, ratio, [(function, before, after)] most moved first)] of the workloads above the
    threshold, and those the baseline lacks (ratio None)."""
    found = []
    for name, now in measured.items():
        before = baseline.get(name)
        if before is None:
            found.append((name, None, []))
            continue
        ratio = now["total"] / before["total"]
        if ratio > 1 + threshold:
            names = set(before["functions"]) | set(now["functions"])
            moved = sorted(((f, before["functions"].get(f, 0), now["functions"].get(f, 0)) for f in names),
                           key=lambda m: -(m[2] - m[1]))
            found.append((name, ratio, [m for m in moved if m[2] > m[1]][:5]))
    return found


def describe(found: list) -> str:
    lines = []
    for name, ratio, moved in found:
        if ratio is None:
            lines.append(f"{name}: no baseline (make perf-baseline records one)")
            continue
        lines.append(f"{name}: {100 * (ratio - 1):+.1f}% instructions")
        lines += [f"    {f}: {b:,} -> {a:,} ({a - b:+,})" for f, b, a in moved]
    return "\n".join(lines)


def load_baseline() -> dict:
    """The committed counts of this toolchain ({} when none were recorded with it)."""
    if not BASELINE.exists():
        return {}
    return json.loads(BASELINE.read_text())["toolchains"].get(toolchain(), {})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["check", "baseline"])
    args = parser.parse_args()
    measured = measure_all()
    if args.mode == "baseline":
        stored = json.loads(BASELINE.read_text()) if BASELINE.exists() else {"threshold": THRESHOLD, "toolchains": {}}
        stored["toolchains"][toolchain()] = measured
        BASELINE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(measured)} workloads for {toolchain()} in {BASELINE.relative_to(ROOT)}")
        return
    baseline = load_baseline()
    if not baseline:
        print(f"no baseline for {toolchain()}: run make perf-baseline", file=sys.stderr)
        sys.exit(1)
    for name, now in measured.items():
        before = baseline.get(name, {}).get("total")
        ratio = f"{now['total'] / before:.3f}" if before else "new"
        print(f"{name:32s} {now['total']:>14,}  x{ratio}")
    found = regressions(baseline, measured)
    if found:
        print(describe(found), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
