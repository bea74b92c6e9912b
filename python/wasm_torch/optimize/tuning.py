"""O3's kernel tuning: where an op can run more than one way, time each way on the real
WebAssembly runtime (in Node, or in headless Chromium), inside the model it belongs to, and record
the fastest on the node.

What may be chosen (attributes the runtime reads; without them its heuristic decides, which is
what O2 files run):
- conv2d (NHWC, GEMM panels) 3x3 stride 1, one group: `algorithm` = winograd or gemm. The
  heuristic's thresholds (output tiles, channels) were set on a few models; the layer decides.
- conv2d (NHWC, GEMM panels) other than 1x1 stride 1: `algorithm` = indirect (the tap's pixels
  read in place through pointers, no im2col rows packed) or gemm (packed rows, k blocks); the
  heuristic runs grouped convolutions with small groups indirect and the others on the GEMM.
- conv2d on the GEMM path and linear (of 8 rows or more: fewer stream B in one k block), K deeper
  than a block: `gemm_depth_block` 256 or 128 instead of 512. A shallower k block keeps more of B
  in L1/L2 but writes C more often: it helped K = 3072 linears and cost ResNet-50's convolutions
  (gemm/gemm_plan.h).

Where (`engine`): Node by default, with relaxed SIMD on (Node 20 has it behind a flag), so the
kernels timed are the relaxed-SIMD build's that browsers run: its GEMM tiles multiply-add in one
instruction, the SIMD128 build's do not, and that moves the balance between Winograd and GEMM
(ResNet-18's 7x7 layers: 1.35x faster by Winograd on SIMD128, even on relaxed SIMD). Or "chromium":
the browser itself, headless (Debian's chromium through playwright-core), whose V8 is years newer
than Node 20's and compiles the same kernels differently: a choice timed in Node can lose there
(EfficientNet-B0's O3 file, tuned in Node, read 0.91x O2's speed in Chromium at 2 threads).

How: every candidate is a variant of the whole file, variant i giving each tunable node its i-th
candidate (the first is the node as O2 leaves it). Each variant runs in Node with per-op
profiling, in rounds that interleave the variants, so each node is timed with its neighbours as
in real use, and at each thread count asked for (1 and 2 by default: a way that wins at one
thread can lose at two, where the op's work is split differently). A candidate wins at a thread
count where its median time beats the heuristic's by MIN_GAIN, so noise does not rewrite a file;
a node keeps the candidate with the largest gain summed over the counts it wins at, never the one
that names the algorithm the heuristic already runs (the profile says which: the same kernel,
whose "gain" is noise, and at one count of two noise often passes 4%). Where it won
at only some of the counts timed, the node records them (`tuned_threads`), and a runtime with
another pool size runs the heuristic's way: the indirect GEMM on ResNet-18's stride-2 layers is
5-7% faster at one thread and 2-3% at two (in Node, two runs). A choice that won at every count
timed applies at every count. Step k of the profile is node k of the graph.
Then the whole forward decides: at each count where a choice applies, the tuned file and the
heuristic's are timed forward against forward, alternated, and where the tuned file is slower the
choices are dropped at that count (an op's gain can be lost to its neighbours: ConvNeXt-Tiny's
and RegNetY-400MF's tuned files read 0.92-0.96x of O2's speed in `make bench` before this check).
Every variant's outputs must match the first's (a way that computes something else is a runtime
bug, and tuning stops on it rather than record it); export then verifies the tuned file against
eager.
"""
from __future__ import annotations

import dataclasses
import itertools
import math
import statistics

import numpy as np
import torch.utils._pytree as pytree
import tempfile
from pathlib import Path

from .. import contract, ir
from ..errors import WASMTorchError
from ..symbolic import is_symbolic

# Where candidates may be timed (WASMRuntime engines that run the relaxed-SIMD build).
TUNING_ENGINES = ("node", "chromium")
# A candidate replaces the heuristic's choice only when at least this much faster, relatively and in
# time per forward (a few microseconds on a tiny op are noise).
MIN_GAIN, MIN_GAIN_MS = 0.04, 0.01
DEPTH_BLOCKS = (256, 128)


@dataclasses.dataclass
class KernelChoice:
    """What tuning found for one node: the candidates' median times (ms per forward, one per
    thread count in `threads`) by label, the candidate it chose ({} when the heuristic's way stood)
    and the counts the choice applies at (`at_threads`: those of `threads` it won at and the whole
    forward kept)."""
    node: str
    op: str
    source: str
    threads: tuple
    times_ms: dict
    chosen: dict
    at_threads: tuple = ()
    dropped_at: tuple = ()  # counts where the op's choice won but the whole forward was not faster
    dropped: dict = dataclasses.field(default_factory=dict)  # the op's choice, when dropped at every count
    heuristic_algorithm: str = ""  # how the runtime runs the node without a choice ("": the op has one way)

    @property
    def label(self) -> str:
        return _label(self.chosen)

    @property
    def recorded(self) -> dict:
        """The attributes the node gets: the choice, and the counts it applies at unless it applies
        at all of them timed (then at every count)."""
        if not self.chosen:
            return {}
        return self.chosen if self.at_threads == self.threads else {**self.chosen, "tuned_threads": list(self.at_threads)}

    @property
    def gain(self) -> float:
        """The heuristic's time over the chosen one's at the thread count it applies at where it
        gains least (1.0 when the heuristic stood)."""
        pairs = [(h, c) for t, h, c in zip(self.threads, self.times_ms[_label({})], self.times_ms[self.label])
                 if t in self.at_threads]
        return min((h / c if c > 0 else 1.0) for h, c in pairs) if pairs else 1.0

    def __str__(self):
        times = ", ".join(f"{k} {'/'.join(f'{v:.3f}' for v in ms)}" for k, ms in self.times_ms.items())
        counts = "/".join(str(t) for t in self.threads)
        where = f" at {_counts(self.at_threads)} thread(s) only" if self.chosen and self.at_threads != self.threads else ""
        dropped = (f" ({_label(self.dropped or self.chosen)} dropped at {_counts(self.dropped_at)} thread(s): the whole "
                   "forward was not faster)" if self.dropped_at else "")
        runs = f" ({self.heuristic_algorithm} without a choice)" if self.heuristic_algorithm else ""
        return (f"{self.node} ({self.source or self.op}){runs}: {self.label}{where}{dropped} [{times} ms at {counts} "
                "thread(s)]")


def _counts(counts) -> str:
    return "/".join(str(t) for t in counts)


def _label(candidate: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(candidate.items())) or "heuristic"


def _gemm_depth(node: ir.Node) -> int:
    """The GEMM's K of a tunable node (0: not a GEMM this tuner knows)."""
    if node.op not in ("linear", "conv2d"):
        return 0
    weight = node.inputs[1]
    layout = node.attrs.get("weight_layout")
    if node.op == "linear" and layout in (contract.WEIGHT_LAYOUT_PANELS8, contract.WEIGHT_LAYOUT_PANELS32) \
            and weight.dtype == contract.DTYPE_CODES["float32"]:
        rows = node.inputs[0].shape[:-1]
        if not any(is_symbolic(d) for d in rows) and math.prod(rows) < contract.GEMM_MIN_ROWS_TO_PACK:
            return 0  # its rows stream B in one k block: every depth block runs the same code
        return weight.shape[1]
    if node.op == "conv2d" and node.attrs.get("layout") == "nhwc" and layout == contract.WEIGHT_LAYOUT_PANELS8:
        return weight.shape[1]
    return 0


def _winograd_capable(node: ir.Node) -> bool:
    a = node.attrs
    return (node.op == "conv2d" and a.get("layout") == "nhwc" and a.get("weight_layout") == contract.WEIGHT_LAYOUT_PANELS8
            and list(a.get("kernel_size", [])) == [3, 3] and list(a.get("stride", [1, 1])) == [1, 1]
            and list(a.get("dilation", [1, 1])) == [1, 1] and a.get("groups", 1) == 1)


def _indirect_capable(node: ir.Node) -> bool:
    """An NHWC GEMM-panel convolution that packs im2col rows (all but 1x1, stride 1, unpadded,
    whose GEMM reads the image in place)."""
    a = node.attrs
    pointwise = (list(a.get("kernel_size", [])) == [1, 1] and list(a.get("stride", [1, 1])) == [1, 1]
                 and not any(a.get("padding", [0, 0])))
    return (node.op == "conv2d" and a.get("layout") == "nhwc" and a.get("weight_layout") == contract.WEIGHT_LAYOUT_PANELS8
            and not pointwise)


def candidates(node: ir.Node) -> list:
    """The ways `node` may run, as attributes to set, the heuristic's ({}) first; [{}] when there
    is nothing to choose."""
    depth = _gemm_depth(node)
    if not depth:
        return [{}]
    gemm = [{"algorithm": contract.CONV_ALGORITHM_GEMM}] if node.op == "conv2d" else [{}]
    out = [{}]
    if _winograd_capable(node):
        out.append({"algorithm": contract.CONV_ALGORITHM_WINOGRAD})
    if _indirect_capable(node):  # one of them is the heuristic's: timed again, as the runtime decides it
        out += [{"algorithm": contract.CONV_ALGORITHM_GEMM}, {"algorithm": contract.CONV_ALGORITHM_INDIRECT}]
    out += [{**g, "gemm_depth_block": d} for d in DEPTH_BLOCKS if depth > d for g in gemm]
    return out


def checked_options(threads, engine: str) -> tuple:
    """The thread counts of `threads` (an int or several), after checking them and `engine`."""
    counts = (threads,) if isinstance(threads, int) else tuple(threads)
    if not counts or any(not isinstance(t, int) or t < 1 for t in counts):
        raise ValueError(f"tuning_threads must be a thread count or several, got {threads!r}")
    if engine not in TUNING_ENGINES:
        raise ValueError(f"tuning_engine must be one of {', '.join(TUNING_ENGINES)}, got {engine!r}")
    return counts


def tune_kernels(graph: ir.Graph, inputs, threads=(1, 2), engine: str = "node", rounds: int = 3,
                 budget_ms: float = 500.0) -> list:
    """Times every candidate of every tunable node (module docstring) on the WebAssembly runtime in
    `engine` (TUNING_ENGINES) at each count of `threads` (an int or several) on `inputs` (the
    export's example), records the fastest in the graph and returns a KernelChoice per tunable
    node. Each variant is profiled over about budget_ms per round (3-8 forwards)."""
    counts = checked_options(threads, engine)
    tunable = [(k, node, candidates(node)) for k, node in enumerate(graph.nodes)]
    tunable = [t for t in tunable if len(t[2]) > 1]
    if not tunable:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        paths = _write_variants(graph, tunable, Path(tmp))
        profiles = [_profile_variants(paths, tuple(inputs), tunable, engine, t, rounds, budget_ms) for t in counts]
    samples = [s for s, _ in profiles]
    choices = []
    for k, node, cands in tunable:
        times = {_label(c): tuple(statistics.median(s[(k, i)]) for s in samples) for i, c in enumerate(cands)}
        # A candidate naming the heuristic's own algorithm runs the same kernel: its gain is noise.
        heuristic = profiles[0][1][k]
        chosen, wins = choose([c for c in cands if c != {"algorithm": heuristic}], times)
        choices.append(KernelChoice(node.outputs[0].name, node.op, node.source, counts, times, chosen,
                                    tuple(t for t, won in zip(counts, wins) if won),
                                    heuristic_algorithm=heuristic))
    _keep_where_the_whole_forward_is_not_slower(graph, tunable, choices, tuple(inputs), engine, counts, rounds,
                                                budget_ms)
    for (_, node, _), choice in zip(tunable, choices):
        node.attrs.update(choice.recorded)
    return choices


def _keep_where_the_whole_forward_is_not_slower(graph, tunable, choices, feed, engine, counts, rounds,
                                                budget_ms) -> None:
    """At each count where a choice applies, times the file with the choices against the
    heuristic's (medians of `rounds` alternated rounds, the runtime applying what applies at that
    count) and, where it is slower, drops every choice at that count."""
    if not any(c.chosen for c in choices):
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = _write_variants(graph, [(k, node, [{}, choice.recorded]) for (k, node, _), choice in zip(tunable, choices)],
                                Path(tmp))
        for threads in counts:
            if not any(threads in c.at_threads for c in choices):
                continue  # the same file at this count
            heuristic, tuned = _whole_forward_ms(paths, feed, engine, threads, rounds, budget_ms)
            if statistics.median(tuned) > statistics.median(heuristic):
                for choice in choices:
                    if threads in choice.at_threads:
                        choice.at_threads = tuple(t for t in choice.at_threads if t != threads)
                        choice.dropped_at += (threads,)
    for choice in choices:
        if choice.chosen and not choice.at_threads:
            choice.dropped, choice.chosen = choice.chosen, {}


def _whole_forward_ms(paths, feed, engine, threads, rounds, budget_ms) -> list:
    """ms per forward of each file in `paths` in `engine` at `threads` threads, one sample a round
    (the files alternated, in reverse order every other round)."""
    from ..runtime import WASMRuntime

    samples = [[] for _ in paths]
    with WASMRuntime(engine, threads=threads, relaxed_simd=engine == "node") as runtime:
        for round_ in range(rounds):
            order = list(enumerate(paths)) if round_ % 2 == 0 else list(enumerate(paths))[::-1]
            for i, path in order:
                model = runtime.load_model(path)
                try:
                    forward_ms = min(model.benchmark(*feed, iterations=2, warmup=1))
                    iterations = min(8, max(3, int(budget_ms / max(forward_ms, 1e-3))))
                    samples[i].append(statistics.median(model.benchmark(*feed, iterations=iterations, warmup=0)))
                finally:
                    model.close()
    return samples


def _write_variants(graph, tunable, tmp: Path) -> list:
    """Writes variant i of the file (each tunable node with its i-th candidate); returns their paths."""
    from ..serialize import serialize

    saved = {id(node): dict(node.attrs) for _, node, _ in tunable}
    paths = []
    try:
        for variant in range(max(len(c) for _, _, c in tunable)):
            for _, node, cands in tunable:
                node.attrs = {**saved[id(node)], **cands[variant if variant < len(cands) else 0]}
            paths.append(tmp / f"variant{variant}.wtm")
            paths[-1].write_bytes(serialize(graph))
    finally:
        for _, node, _ in tunable:
            node.attrs = saved[id(node)]
    return paths


def _profile_variants(paths, feed, tunable, engine, threads, rounds, budget_ms) -> tuple:
    """Profiles every variant in each round in `engine` at `threads` threads; returns {(node index,
    candidate index): [ms per forward, one per round]} and {node index: the algorithm the first
    variant (the heuristic's) runs it with ("" where the op has one way)}."""
    from ..runtime import WASMRuntime

    samples = {(k, i): [] for k, _, c in tunable for i in range(len(c))}
    heuristic = {}
    reference = None
    # Chromium has relaxed SIMD on; Node 20 needs the flag (WASMRuntime's relaxed_simd).
    with WASMRuntime(engine, threads=threads, relaxed_simd=engine == "node") as runtime:
        for round_, (variant, path) in itertools.product(range(rounds), enumerate(paths)):
            model = runtime.load_model(path)
            try:
                if round_ == 0:
                    outputs = [o.numpy() for o in pytree.tree_flatten(model.forward(*feed))[0]]
                    reference = reference or outputs
                    _check_same(outputs, reference, variant, tunable)
                forward_ms = min(model.benchmark(*feed, iterations=2, warmup=1))
                steps = model.profile(*feed, runs=min(8, max(3, int(budget_ms / max(forward_ms, 1e-3)))))
            finally:
                model.close()
            for k, node, cands in tunable:
                if steps[k]["op"] != node.op:
                    raise WASMTorchError(f"kernel tuning: profile step {k} is {steps[k]['op']!r}, the graph's "
                                         f"node {k} {node.op!r}")
                if variant < len(cands):
                    samples[(k, variant)].append(steps[k]["meanMs"])
                if variant == 0:
                    heuristic[k] = steps[k]["algorithm"]
    return samples, heuristic


def choose(cands: list, times: dict) -> tuple:
    """The candidate of `cands` (`times`: ms by label, one per thread count) with the largest gain
    over the heuristic's ({}) summed in logs over the counts where it wins (beats it by MIN_GAIN
    and MIN_GAIN_MS), and those counts as a flag per count; ({}, all False) if none wins anywhere."""
    heuristic = times[_label({})]

    def wins(c):
        return tuple(f * (1 + MIN_GAIN) < h and f + MIN_GAIN_MS < h for f, h in zip(times[_label(c)], heuristic))

    def gain(c):
        return sum(math.log(h / f) for f, h, won in zip(times[_label(c)], heuristic, wins(c)) if won)
    best = max((c for c in cands if c and any(wins(c))), key=gain, default={})
    return best, wins(best) if best else tuple(False for _ in heuristic)


def _check_same(outputs: list, reference: list, variant: int, tunable: list) -> None:
    for got, want in zip(outputs, reference):
        scale = max(float(np.abs(want).max(initial=0.0)), 1e-30)
        if got.shape != want.shape or float(np.abs(got - want).max(initial=0.0)) > 1e-3 * scale:
            ways = "; ".join(f"{n.op} {n.outputs[0].name}: {_label(c[variant])}" for _, n, c in tunable
                             if variant < len(c))
            raise WASMTorchError(f"kernel tuning: variant {variant} ({ways}) computes other outputs than the "
                                 "heuristic's file; export at O2 and report this")
