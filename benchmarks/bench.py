"""make bench: wasm-torch against its peers on the same machine, in one run.

For each model: wasm-torch in headless Chromium (1 and 2 threads), in headless Firefox ESR and in Node; onnxruntime-web's
wasm backend in the same Chromium (crossOriginIsolated, same thread counts); native onnxruntime
(onnxruntime-node); native PyTorch (the pip build, oneDNN/MKL). wasm-torch runs each model exported
at O2 (the default) and at O3 (kernel tuning at export), and the table gives what O3's export costs
and how many ops its tuning changed; an O3 file whose tuning changed none is the O2 graph, and is not
timed against itself (its ratio would be the run's noise).
The models made of linear layers also run dynamically quantized to INT8 on both sides (wasm-torch's
quantize_for_wasm, onnxruntime's quantize_dynamic) in the same Chromium, the convnets statically
quantized (quantize_for_wasm(model, "static") against onnxruntime's quantize_static, both calibrated
on the same batches). Runners are interleaved in rounds after warm-up (4 rounds, every other one in
reverse order, each O3 runner right after its O2 runner); the table gives medians (p90) in ms and
ratios, and is written to benchmarks/results/."""
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from models import NAMES, build, calibration_batches  # noqa: E402

from wasm_torch import WASMRuntime, export_to_wasm  # noqa: E402
from wasm_torch.optimize import quantize_for_wasm  # noqa: E402

WORK = ROOT / "build" / "bench"
ROUNDS, PER_ROUND, WARMUP = 4, int(os.environ.get("BENCH_ITERATIONS", "4")), 2
# Cold start (a fresh page to the first forward's result) is measured for these, when benched.
COLD_START_MODELS, COLD_START_SAMPLES = ("resnet18", "minilm"), 5
# The models whose work is linear layers: dynamic INT8 quantizes them (convolutions stay float).
DYNAMIC_INT8_MODELS = ("mlp", "bert_base_style", "minilm", "transformer_encoder", "gpt2_style", "vit_b_16")
# The convnets: static INT8 (calibrated activations) quantizes their convolutions.
STATIC_INT8_MODELS = ("resnet18", "mobilenet_v2", "efficientnet_b0")
INT8_MODELS = DYNAMIC_INT8_MODELS + STATIC_INT8_MODELS


def quantize_onnx_static(onnx: Path, out: Path, names: list, batches: list) -> None:
    """onnxruntime's static INT8 of the model: QDQ, int8 weights per channel, uint8 activations
    (its defaults for CPU), calibrated by min/max on `batches`."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.feeds = iter([{n: t.numpy() for n, t in zip(names, batch)} for batch in batches])

        def get_next(self):
            return next(self.feeds, None)

    quantize_static(str(onnx), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)


def export(name):
    """Writes the model's files; returns its inputs, export seconds per level, and O3's tuned ops
    (changed, tunable)."""
    model, inputs = build(name)
    onnx = WORK / f"{name}.onnx"
    seconds, tuned = {}, (0, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for level, suffix in (("O2", ""), ("O3", ".O3")):
            # O3 tuned where its file is timed: in Chromium.
            report = export_to_wasm(model, WORK / f"{name}{suffix}.wtm", inputs, optimization_level=level,
                                    verify=False, tuning_engine="chromium")
            seconds[level] = report.export_seconds
            if level == "O3":
                tuned = (report.tuned_ops, len(report.kernel_choices))
        names = [f"input{i}" for i in range(len(inputs))]
        with torch.enable_grad():  # nn.MultiheadAttention's no-grad fast path has no ONNX symbolic
            # The TorchScript exporter (dynamo=False): the same ONNX graphs as the earlier runs on torch 1.13.
            torch.onnx.export(model, inputs, str(onnx), input_names=names, opset_version=14, dynamo=False)
        if name in DYNAMIC_INT8_MODELS:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            export_to_wasm(quantize_for_wasm(model), WORK / f"{name}.int8.wtm", inputs)
            quantize_dynamic(str(onnx), str(WORK / f"{name}.int8.onnx"), weight_type=QuantType.QInt8)
        if name in STATIC_INT8_MODELS:
            batches = calibration_batches(inputs)
            export_to_wasm(quantize_for_wasm(model, "static", calibration_data=batches), WORK / f"{name}.int8.wtm",
                           inputs)
            quantize_onnx_static(onnx, WORK / f"{name}.int8.onnx", names, batches)
    feeds = [{"name": n, "dtype": "int64" if t.dtype == torch.int64 else "float32", "shape": list(t.shape),
              "data": t.flatten().tolist()} for n, t in zip(names, inputs)]
    (WORK / f"{name}.inputs.json").write_text(json.dumps(feeds))
    return inputs, seconds, tuned


def subprocess_times(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])["times_ms"]


def ort(name, engine, threads, iterations, warmup, repeat, kind=""):
    return subprocess_times(["node", str(HERE / "ort_runner.mjs"), "--engine", engine, "--threads", str(threads),
                             "--model", str(WORK / f"{name}{kind}.onnx"), "--input", str(WORK / f"{name}.inputs.json"),
                             "--iterations", str(iterations), "--warmup", str(warmup), "--repeat", str(repeat)])


def firefox(name, threads, iterations, warmup, repeat):
    return subprocess_times(["node", str(HERE / "firefox_runner.mjs"), "--name", name, "--threads", str(threads),
                             "--iterations", str(iterations), "--warmup", str(warmup), "--repeat", str(repeat)])


def pytorch(name, threads, iterations, warmup, repeat):
    return subprocess_times([sys.executable, str(HERE / "torch_runner.py"), name, str(threads), str(iterations), str(warmup),
                             str(repeat)])


def cold_start(name, threads):
    """{runner: [{phase: ms}]} from benchmarks/cold_start.mjs (the model's files from export())."""
    out = subprocess.run(["node", str(HERE / "cold_start.mjs"), "--name", name, "--threads", str(threads),
                          "--samples", str(COLD_START_SAMPLES)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_counts(probe_ms):
    """Samples per round, warm-up samples and forwards per sample for a model taking about probe_ms:
    fast models get more runs, so V8 has tiered every runner's code up (it does so per function,
    after some calls) and each median is over enough of them; and a model under 1 ms is timed over
    several forwards per sample, because browser timers tick in 5 us steps (the MLP's 0.1 ms medians
    had been quantized to 5%)."""
    probe = max(min(probe_ms), 0.01)
    fast, repeat = 300.0 / probe, max(1, math.ceil(1.0 / probe))
    return max(PER_ROUND, min(int(fast / 3), 300) // repeat), max(WARMUP, min(int(fast), 1000) // repeat), repeat


def run_order(columns):
    """The columns in the order a round runs them: each O3 runner right after the O2 runner on its
    runtime, so the pair is timed a moment apart rather than a round apart (on this shared host an
    O2 / O3 ratio of identical files, sampled a round apart, read 0.72-1.29)."""
    order = []
    for key in (key for key in columns if not key.startswith("wt-O3-")):
        order.append(key)
        o3 = key.replace("wt-chromium-", "wt-O3-chromium-")
        if o3 != key and o3 in columns:
            order.append(o3)
    return order


def wasm_torch(runtime, name, inputs, iterations, warmup, repeat=1, kind=""):
    model = runtime.load_model(WORK / f"{name}{kind}.wtm")
    try:
        return model.benchmark(*inputs, iterations=iterations, warmup=warmup, repeat=repeat)
    finally:
        model.close()


def main():
    started = time.strftime("%Y-%m-%d-%H%M")  # in the file name: runs never overwrite each other
    WORK.mkdir(parents=True, exist_ok=True)
    names = sys.argv[1:] or NAMES
    # wt-chromium-*: the page's main thread (worker: false), as ort-web runs; wt-worker-*: the runtime in a
    # Worker (worker: true), what WASMTorch.init does by default on a page.
    runtimes = {"wt-chromium-1t": WASMRuntime("chromium", threads=1), "wt-chromium-2t": WASMRuntime("chromium", threads=2),
                "wt-worker-1t": WASMRuntime("chromium", threads=1, worker=True),
                "wt-worker-2t": WASMRuntime("chromium", threads=2, worker=True),
                "wt-node-1t": WASMRuntime("node", threads=1)}
    columns = list(runtimes) + ["wt-firefox-1t", "wt-firefox-2t", "ort-web-1t", "ort-web-2t", "ort-node-1t", "ort-node-2t", "torch-1t", "torch-2t",
                                "wt-O3-chromium-1t", "wt-O3-chromium-2t",
                                "wt-int8-chromium-1t", "wt-int8-chromium-2t", "ort-web-int8-1t", "ort-web-int8-2t"]
    results, export_seconds, tuned, cold = {}, {}, {}, {}
    variants = {key: rt.info()["variant"] for key, rt in runtimes.items()}
    try:
        for name in names:
            inputs, export_seconds[name], tuned[name] = export(name)
            runners = {key: (lambda it, wu, rp, rt=rt: wasm_torch(rt, name, inputs, it, wu, rp)) for key, rt in runtimes.items()}
            for t in (1, 2):
                runners[f"ort-web-{t}t"] = lambda it, wu, rp, t=t: ort(name, "web", t, it, wu, rp)
                runners[f"ort-node-{t}t"] = lambda it, wu, rp, t=t: ort(name, "node", t, it, wu, rp)
                runners[f"torch-{t}t"] = lambda it, wu, rp, t=t: pytorch(name, t, it, wu, rp)
                runners[f"wt-firefox-{t}t"] = lambda it, wu, rp, t=t: firefox(name, t, it, wu, rp)
                if tuned[name][0]:
                    runners[f"wt-O3-chromium-{t}t"] = lambda it, wu, rp, rt=runtimes[f"wt-chromium-{t}t"]: \
                        wasm_torch(rt, name, inputs, it, wu, rp, ".O3")
                if name in INT8_MODELS:
                    runners[f"wt-int8-chromium-{t}t"] = lambda it, wu, rp, rt=runtimes[f"wt-chromium-{t}t"]: \
                        wasm_torch(rt, name, inputs, it, wu, rp, ".int8")
                    runners[f"ort-web-int8-{t}t"] = lambda it, wu, rp, t=t: ort(name, "web", t, it, wu, rp, ".int8")
            per_round, warmup, repeat = run_counts(wasm_torch(runtimes["wt-node-1t"], name, inputs, 3, 1))
            times, failed = {key: [] for key in columns}, set()
            forward_order = run_order(columns)
            for round_ in range(ROUNDS):  # interleaved: every runner once per round
                # Odd rounds run the columns in reverse: a runner's place in the round (the one run
                # right after another is measurably faster or slower) falls on both sides of each pair.
                order = forward_order if round_ % 2 == 0 else forward_order[::-1]
                for key in (key for key in order if key in runners and key not in failed):
                    try:
                        times[key] += runners[key](per_round, warmup, repeat)
                    except Exception as e:  # a runner that cannot run this model is reported and left out, not fatal
                        times[key] = None if not times[key] else times[key]
                        failed.add(key)
                        print(f"{name} {key}: {e}", file=sys.stderr)
            results[name] = {key: v or None for key, v in times.items()}
            if name in COLD_START_MODELS:
                try:
                    cold[name] = {t: cold_start(name, t) for t in (1, 2)}
                except Exception as e:  # reported, not fatal
                    print(f"{name} cold start: {e}", file=sys.stderr)
            print(f"{name}: " + ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in times.items() if v), flush=True)
    finally:
        for rt in runtimes.values():
            rt.close()
    report = render(results, columns, variants, export_seconds, tuned, cold)
    print("\n" + report)
    subset = "" if names == NAMES else "-" + "-".join(names)  # a partial run never overwrites a full one
    out = HERE / "results" / f"bench-{started}{subset}.md"
    out.write_text(report)
    out.with_suffix(".json").write_text(json.dumps({"variants": variants, "times_ms": results,  # raw samples
                                                    "export_seconds": export_seconds, "o3_tuned_ops": tuned,
                                                    "cold_start_ms": cold}))
    print(f"written to {out.relative_to(ROOT)}")


def firefox_version():
    out = subprocess.run(["/usr/bin/firefox-esr", "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip() or "not installed"


def ms(value):
    """Milliseconds with three significant digits (sub-millisecond models need them)."""
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def render(results, columns, variants, export_seconds, tuned, cold):
    def med(v):
        return statistics.median(v) if v else float("nan")

    def p90(v):
        return sorted(v)[int(0.9 * (len(v) - 1))] if v else float("nan")

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    lines = [f"# wasm-torch benchmark, {time.strftime('%Y-%m-%d')}", "",
             f"Machine: {cpu}, {os.cpu_count()} cores, {platform.platform()}; Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}; {chromium}; torch {torch.__version__}.",
             "wasm-torch builds: " + ", ".join(f"{key} {variant}" for key, variant in variants.items()) + "; "
             "wt-chromium-*: wasm-torch on the page's main thread (`worker: false`); wt-worker-*: the runtime in a Worker "
             "(`worker: true`, `WASMTorch.init`'s default on a page; forward() times include the messages "
             "and copies). "
             f"wt-firefox-*: wasm-torch in headless Firefox ESR ({firefox_version()}), on the page's main thread "
             "(`worker: false`). "
             "onnxruntime-web 1.30.0: its wasm backend (SIMD, threads), on the page's main thread. "
             "*-int8-*: dynamic INT8 (int8 weights per channel, activations quantized at run time) of the models "
             "made of linear layers: wasm-torch's quantize_for_wasm(model) against onnxruntime's "
             "quantize_dynamic(weight_type=QInt8); static INT8 of " + ", ".join(STATIC_INT8_MODELS) + ": "
             "quantize_for_wasm(model, 'static') against onnxruntime's quantize_static (QDQ, per-channel int8 "
             "weights, uint8 activations), both calibrated by min/max on the same 8 random batches; both sides on "
             "the page's main thread. "
             "wt-O3-*: the model exported at O3 (kernels tuned at export in Chromium at 1 and 2 threads), on the page's main "
             "thread, timed right after the O2 file in each round, where tuning changed an op (n/a: it changed none, "
             "and the file is the O2 graph); every other wt "
             "column runs the O2 file (the default level).", "",
             f"Batch 1; {ROUNDS} interleaved rounds x at least {PER_ROUND} samples after at least {WARMUP} warm-up samples per runner "
             "(more for models under 150 ms, so V8 tiers every runner up; a sample of a model under 1 ms is the mean of "
             "enough forwards to last 1 ms, as browser timers tick in 5 us steps); median (p90) in ms.", "",
             "| model | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for name, times in results.items():
        lines.append(f"| {name} | " + " | ".join(f"{ms(med(times[c]))} ({ms(p90(times[c]))})" if times[c] else "n/a" for c in columns) + " |")
    # The last column is the peer's own 2-thread speed-up in the same run: what this host's second core gives.
    ratios = [("wt / ort-web 1t", "wt-chromium-1t", "ort-web-1t"), ("wt / ort-web 2t", "wt-chromium-2t", "ort-web-2t"),
              ("wt / torch 1t", "wt-chromium-1t", "torch-1t"), ("wt / torch 2t", "wt-chromium-2t", "torch-2t"),
              ("firefox / chromium 1t", "wt-firefox-1t", "wt-chromium-1t"),
              ("firefox / chromium 2t", "wt-firefox-2t", "wt-chromium-2t"),
              ("worker / direct 1t", "wt-worker-1t", "wt-chromium-1t"),
              ("worker / direct 2t", "wt-worker-2t", "wt-chromium-2t"),
              ("wt worker (default) / ort-web 2t", "wt-worker-2t", "ort-web-2t"),
              ("wt 1t / 2t (speed-up)", "wt-chromium-1t", "wt-chromium-2t"),
              ("wt worker 1t / 2t (speed-up)", "wt-worker-1t", "wt-worker-2t"),
              ("ort-web 1t / 2t (its speed-up)", "ort-web-1t", "ort-web-2t"),
              ("wt int8 / ort-web int8 1t", "wt-int8-chromium-1t", "ort-web-int8-1t"),
              ("wt int8 / ort-web int8 2t", "wt-int8-chromium-2t", "ort-web-int8-2t"),
              ("wt fp32 / int8 1t (speed-up)", "wt-chromium-1t", "wt-int8-chromium-1t"),
              ("wt fp32 / int8 2t (speed-up)", "wt-chromium-2t", "wt-int8-chromium-2t"),
              ("wt O2 / O3 1t (speed-up)", "wt-chromium-1t", "wt-O3-chromium-1t"),
              ("wt O2 / O3 2t (speed-up)", "wt-chromium-2t", "wt-O3-chromium-2t")]
    lines += ["", "Ratios of medians (lower is better for wasm-torch; speed-ups: higher is better):", "",
              "| model | " + " | ".join(header for header, _, _ in ratios) + " |", "|---|" + "---:|" * len(ratios)]
    geo = [[] for _ in ratios]
    for name, t in results.items():
        r = [med(t[a]) / med(t[b]) for _, a, b in ratios]
        for k, v in enumerate(r):
            if v == v:
                geo[k].append(v)
        lines.append(f"| {name} | " + " | ".join(f"{v:.2f}" if v == v else "n/a" for v in r) + " |")
    gm = [statistics.geometric_mean(v) if v else float("nan") for v in geo]
    lines.append("| **geometric mean** | " + " | ".join(f"**{v:.2f}**" if v == v else "n/a" for v in gm) + " |")
    lines += ["", "What each level's export cost (seconds, without verification; O3 includes its kernel tuning), and "
              "the ops O3's tuning changed:", "",
              "| model | export O2 s | export O3 s | O3: ops tuning changed / tunable ops |", "|---|---:|---:|---:|"]
    lines += [f"| {name} | {s['O2']:.1f} | {s['O3']:.1f} | {tuned[name][0]} / {tuned[name][1]} |"
              for name, s in export_seconds.items()]
    if cold:
        lines += ["", f"Cold start in Chromium: a fresh page to the first forward's result (no-store: every sample fetches "
                  f"and compiles the wasm and fetches the model), median of {COLD_START_SAMPLES} alternated samples, ms. "
                  "wasm-torch: `WASMTorch.init({threads})` (the runtime in a Worker, the default), `loadModel(url)`, "
                  "forward; onnxruntime-web: `numThreads`, `InferenceSession.create(url)` (its wasm compiles there: "
                  "init is part of load), run.", "",
                  "| model | threads | runner | import | init | load | first forward | total |",
                  "|---|---:|---|---:|---:|---:|---:|---:|"]
        for name, per_threads in cold.items():
            for threads, runners in per_threads.items():
                for runner, samples in runners.items():
                    cells = [statistics.median(s[p] for s in samples) if samples[0][p] is not None else None
                             for p in ("import", "init", "load", "first", "total")]
                    lines.append(f"| {name} | {threads} | {runner} | " +
                                 " | ".join("-" if c is None else ms(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
