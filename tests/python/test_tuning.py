"""O3's kernel tuning (wasm_torch.optimize.tuning): what may be chosen per op, how a choice is made,
and an O3 export that times every candidate in Node, records its choices in the file and still
matches eager on every engine."""
import pytest
import torch
from torch import nn

from wasm_torch import WASMRuntime, export_to_wasm, ir
from wasm_torch.optimize import tuning
from wasm_torch.symbolic import SymDim

from model_file import read_model


class TunableNet(nn.Module):
    """One op of each kind tuning distinguishes, at 16x16 (Winograd's heuristic threshold)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(3, 16, 3, padding=1)              # K = 27, too few channels for the heuristic
        self.body = nn.Conv2d(16, 32, 3, padding=1)             # K = 144: the heuristic's Winograd
        self.down = nn.Conv2d(32, 64, 3, stride=2, padding=1)   # strided, K = 288: GEMM only
        self.small = nn.Conv2d(64, 64, 3, padding=1)            # 8x8 output: the heuristic's GEMM
        self.grouped = nn.Conv2d(64, 64, 3, padding=1, groups=8)  # 8 channels a group: the heuristic's indirect GEMM
        self.depthwise = nn.Conv2d(64, 64, 3, padding=1, groups=64)
        self.fc = nn.Linear(64, 300)
        self.head = nn.Linear(300, 10)                          # K = 300, over the 64 pixels as rows

    def forward(self, x):
        for conv in (self.stem, self.body, self.down, self.small, self.grouped, self.depthwise):
            x = torch.relu(conv(x))
        return self.head(torch.relu(self.fc(x.flatten(2).transpose(1, 2)))).mean(1)


# The candidates each module's op gets, by label (the heuristic's first).
EXPECTED_CANDIDATES = {
    "stem": ["heuristic", "algorithm=winograd", "algorithm=gemm", "algorithm=indirect"],
    "body": ["heuristic", "algorithm=winograd", "algorithm=gemm", "algorithm=indirect",
             "algorithm=gemm,gemm_depth_block=128"],
    "down": ["heuristic", "algorithm=gemm", "algorithm=indirect", "algorithm=gemm,gemm_depth_block=256",
             "algorithm=gemm,gemm_depth_block=128"],
    "small": ["heuristic", "algorithm=winograd", "algorithm=gemm", "algorithm=indirect",
              "algorithm=gemm,gemm_depth_block=256", "algorithm=gemm,gemm_depth_block=128"],
    "grouped": ["heuristic", "algorithm=gemm", "algorithm=indirect"],
    "head": ["heuristic", "gemm_depth_block=256", "gemm_depth_block=128"],
}


def _node_attributes(path) -> list:
    """(op, {attribute: value}) of each node of a model file, for the attributes tuning records."""
    model = read_model(path)
    nodes = []
    for i in range(model.NodesLength()):
        node, attrs = model.Nodes(i), {}
        for j in range(node.AttributesLength()):
            a = node.Attributes(j)
            name = a.Name().decode()
            if name == "algorithm":
                attrs[name] = a.S().decode()
            elif name == "gemm_depth_block":
                attrs[name] = a.I()
            elif name == "tuned_threads":
                attrs[name] = [a.Ints(k) for k in range(a.IntsLength())]
        nodes.append((node.Op().decode(), attrs))
    return nodes


@pytest.fixture(scope="module")
def o3_export(tmp_path_factory):
    path = tmp_path_factory.mktemp("o3") / "tuned.wtm"
    x = torch.randn(1, 3, 16, 16)
    model = TunableNet().eval()
    return model, x, path, export_to_wasm(model, path, x, optimization_level="O3")


def test_every_tunable_op_has_its_candidates_timed(o3_export):
    _, _, _, report = o3_export
    by_module = {c.source.split(" ")[0]: c for c in report.kernel_choices}
    assert set(by_module) == set(EXPECTED_CANDIDATES), "the depthwise conv and the K=64 linear have nothing to tune"
    for module, labels in EXPECTED_CANDIDATES.items():
        choice = by_module[module]
        assert list(choice.times_ms) == labels, module
        assert choice.threads == (1, 2), "timed at 1 and 2 threads by default"
        assert all(len(ms) == 2 and min(ms) > 0 for ms in choice.times_ms.values()), choice
        assert choice.label in labels and choice.gain >= 1.0, choice
    assert report.tuning_seconds > 0 and report.export_seconds > report.tuning_seconds
    assert "kernel tuning changed" in str(report)


def test_a_choice_is_never_the_heuristics_own_algorithm(o3_export):
    """The profile says how the heuristic runs each convolution; naming that algorithm again runs
    the same kernel, so it is never chosen (its gain would be noise)."""
    _, _, _, report = o3_export
    by_module = {c.source.split(" ")[0]: c for c in report.kernel_choices}
    assert by_module["body"].heuristic_algorithm == "winograd" and by_module["small"].heuristic_algorithm == "gemm"
    assert by_module["grouped"].heuristic_algorithm == "indirect" and by_module["head"].heuristic_algorithm == ""
    assert "(winograd without a choice)" in str(by_module["body"])
    assert all(c.chosen != {"algorithm": c.heuristic_algorithm} for c in report.kernel_choices)


def test_the_heuristics_own_algorithm_is_never_offered(tmp_path, monkeypatch):
    """What choose() is offered per node (patched to choose nothing): never {"algorithm": X} where
    the profile says the heuristic already runs X."""
    offered = []

    def capture(cands, times):
        offered.append(cands)
        return {}, (False, False)
    monkeypatch.setattr(tuning, "choose", capture)
    report = export_to_wasm(TunableNet().eval(), tmp_path / "m.wtm", torch.randn(1, 3, 16, 16),
                            optimization_level="O3", verify=False)
    assert len(offered) == len(report.kernel_choices)
    for cands, choice in zip(offered, report.kernel_choices):
        names = {c.get("algorithm") for c in cands if set(c) == {"algorithm"}}
        if choice.heuristic_algorithm:
            assert choice.heuristic_algorithm not in names, (choice, cands)
            assert names, choice  # the other algorithms stay candidates
    assert sum(bool(c.heuristic_algorithm) for c in report.kernel_choices) == 5, "every tunable conv2d"


@pytest.mark.parametrize("engine", ["native", "node"])
def test_profiles_say_how_each_step_runs(o3_export, engine):
    model, x, path, _ = o3_export
    with WASMRuntime(engine) as runtime:
        steps = runtime.load_model(path).profile(x, runs=1)
    convs = [s["algorithm"] for s in steps if s["op"] == "conv2d"]
    assert len(convs) == 6 and set(convs) <= {"winograd", "gemm", "indirect", ""} and convs[5] == "", convs
    assert all(s["algorithm"] == "" for s in steps if s["op"] != "conv2d")


def test_the_file_records_exactly_the_choices(o3_export):
    _, _, path, report = o3_export
    recorded = [attrs for op, attrs in _node_attributes(path) if attrs]
    assert recorded == [c.recorded for c in report.kernel_choices if c.chosen]
    assert all(c.recorded.get("tuned_threads", list(c.threads)) == list(c.at_threads)
               for c in report.kernel_choices if c.chosen)
    assert report.tuned_ops == len(recorded), "the report counts the ops the file records as changed"
    assert f"kernel tuning changed {len(recorded)} of {len(report.kernel_choices)} tunable ops" in str(report)


@pytest.mark.parametrize("engine,threads", [("native", 1), ("node", 2), ("chromium", 1)])
def test_the_tuned_file_matches_eager(o3_export, engine, threads):
    model, x, path, report = o3_export
    assert report.verification and report.verification[0].relative < 1e-4
    with WASMRuntime(engine, threads=threads) as runtime, torch.no_grad():
        torch.testing.assert_close(runtime.load_model(path).forward(x), model(x), atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("index", range(6))
def test_every_candidate_verifies_against_eager(tmp_path, monkeypatch, index):
    """Candidate `index` of every op (its last where it has fewer) forced in place of timing: the
    export's verification runs the file natively against eager."""
    def force(graph, inputs, threads, engine):
        for node in graph.nodes:
            cands = tuning.candidates(node)
            node.attrs.update(cands[min(index, len(cands) - 1)])
        return []
    monkeypatch.setattr("wasm_torch.export.tune_kernels", force)
    path = tmp_path / "forced.wtm"
    report = export_to_wasm(TunableNet().eval(), path, torch.randn(1, 3, 16, 16), optimization_level="O3")
    assert report.verification[0].relative < 1e-4
    assert sum(bool(attrs) for _, attrs in _node_attributes(path)) == (0 if index == 0 else 6)


@pytest.mark.parametrize("slower_at", [(), (1, 2), (2,)])
def test_the_whole_forward_decides_where_the_choices_stay(tmp_path, monkeypatch, slower_at):
    """Every op forced to choose its last candidate at both counts; the whole-forward timing
    (patched) then keeps them at the counts where the tuned file is not slower."""
    monkeypatch.setattr(tuning, "choose", lambda cands, times: (cands[-1], (True, True)))
    timed = []

    def whole_forward_ms(paths, feed, engine, threads, rounds, budget_ms):
        timed.append(threads)
        return [[10.0] * rounds, [11.0 if threads in slower_at else 9.0] * rounds]  # heuristic's file, tuned file
    monkeypatch.setattr(tuning, "_whole_forward_ms", whole_forward_ms)
    path = tmp_path / "tuned.wtm"
    report = export_to_wasm(TunableNet().eval(), path, torch.randn(1, 3, 16, 16), optimization_level="O3",
                            verify=False)
    recorded = [attrs for _, attrs in _node_attributes(path) if attrs]
    assert timed == [1, 2]
    if slower_at == ():
        assert len(recorded) == len(EXPECTED_CANDIDATES) and all("tuned_threads" not in a for a in recorded)
        assert all(c.chosen and c.at_threads == (1, 2) and not c.dropped_at for c in report.kernel_choices)
    elif slower_at == (1, 2):
        assert recorded == []
        assert all(c.dropped and not c.chosen and c.label == "heuristic" for c in report.kernel_choices)
        assert "dropped at 1/2 thread(s): the whole forward was not faster" in str(report.kernel_choices[0])
    else:
        assert len(recorded) == len(EXPECTED_CANDIDATES) and all(a["tuned_threads"] == [1] for a in recorded)
        assert all(c.at_threads == (1,) and c.dropped_at == (2,) for c in report.kernel_choices)
        assert "at 1 thread(s) only (" in str(report.kernel_choices[0])


def test_choose_keeps_the_heuristic_unless_clearly_faster():
    cands = [{}, {"algorithm": "winograd"}, {"algorithm": "gemm"}]
    times = {"heuristic": (2.0,), "algorithm=winograd": (1.5,), "algorithm=gemm": (1.9,)}
    assert tuning.choose(cands, times) == ({"algorithm": "winograd"}, (True,))
    times.update({"algorithm=winograd": (1.95,), "algorithm=gemm": (1.97,)})  # 1.5-2.5% faster: noise
    assert tuning.choose(cands, times) == ({}, (False,))
    tiny = {"heuristic": (0.012,), "algorithm=winograd": (0.006,), "algorithm=gemm": (0.011,)}
    assert tuning.choose(cands, tiny) == ({}, (False,)), "6 us on a tiny op is below MIN_GAIN_MS"
    slower = {"heuristic": (1.0,), "algorithm=winograd": (1.2,), "algorithm=gemm": (1.1,)}
    assert tuning.choose(cands, slower) == ({}, (False,))


def test_choose_weighs_the_counts_each_candidate_wins_at():
    cands = [{}, {"algorithm": "winograd"}, {"algorithm": "gemm"}]
    # Winograd gains 15% at one thread and loses at two (ResNet-18's 7x7 layers); nothing else wins.
    times = {"heuristic": (5.08, 2.65), "algorithm=winograd": (4.34, 2.90), "algorithm=gemm": (5.07, 2.63)}
    assert tuning.choose(cands, times) == ({"algorithm": "winograd"}, (True, False))
    # The GEMM gains 15% and 17% at both: more in all than Winograd's 17% at one.
    times = {"heuristic": (2.0, 1.2), "algorithm=winograd": (1.7, 1.3), "algorithm=gemm": (1.7, 1.0)}
    assert tuning.choose(cands, times) == ({"algorithm": "gemm"}, (True, True))
    times["algorithm=gemm"] = (1.7, 1.19)  # within noise at two threads: it ties Winograd at one
    assert tuning.choose(cands, times)[1] == (True, False)
    # Both win everywhere: the larger gain over the counts (summed logs) is taken.
    both = {"heuristic": (2.0, 1.0), "algorithm=winograd": (1.0, 0.8), "algorithm=gemm": (1.5, 0.6)}
    assert tuning.choose(cands, both) == ({"algorithm": "winograd"}, (True, True))


def test_a_choice_records_the_counts_it_applies_at():
    times = {"heuristic": (5.0, 2.6), "algorithm=winograd": (4.3, 2.9)}
    at_one = tuning.KernelChoice("y", "conv2d", "", (1, 2), times, {"algorithm": "winograd"}, (1,))
    assert at_one.recorded == {"algorithm": "winograd", "tuned_threads": [1]}
    assert at_one.gain == pytest.approx(5.0 / 4.3), "the gain where it applies"
    assert "algorithm=winograd at 1 thread(s) only [" in str(at_one)
    everywhere = tuning.KernelChoice("y", "conv2d", "", (1, 2), times, {"algorithm": "winograd"}, (1, 2))
    assert everywhere.recorded == {"algorithm": "winograd"}, "won at every count timed: applies at any"
    assert tuning.KernelChoice("y", "conv2d", "", (1, 2), times, {}).recorded == {}


def test_tuning_threads_and_engine_are_checked():
    with pytest.raises(ValueError, match="tuning_threads must be a thread count or several, got \\(0,\\)"):
        tuning.tune_kernels(ir.Graph(nodes=[], inputs=[], outputs=[]), (), threads=(0,))
    with pytest.raises(ValueError, match="tuning_engine must be one of node, chromium, got 'firefox'"):
        tuning.tune_kernels(ir.Graph(nodes=[], inputs=[], outputs=[]), (), engine="firefox")


def test_export_checks_the_tuning_options_before_capturing(tmp_path, monkeypatch):
    """A wrong tuning_engine or tuning_threads fails at once, at any level, not after the capture."""
    monkeypatch.setattr("wasm_torch.export.capture", lambda *a, **k: pytest.fail("captured before checking"))
    x = torch.randn(1, 3, 16, 16)
    with pytest.raises(ValueError, match="tuning_engine must be one of node, chromium, got 'firefox'"):
        export_to_wasm(TunableNet().eval(), tmp_path / "m.wtm", x, optimization_level="O3", tuning_engine="firefox")
    with pytest.raises(ValueError, match="tuning_threads must be a thread count or several, got 0"):
        export_to_wasm(TunableNet().eval(), tmp_path / "m.wtm", x, tuning_threads=0)


def test_tuning_in_chromium_times_the_browser_and_says_so(tmp_path):
    """tuning_engine="chromium": the candidates are timed in headless Chromium at one thread, the
    choices recorded and the file verified as in Node."""
    from wasm_torch.serialize import read_info_from_file
    path, x = tmp_path / "chromium.wtm", torch.randn(1, 3, 16, 16)
    report = export_to_wasm(TunableNet().eval(), path, x, optimization_level="O3", tuning_engine="chromium",
                            tuning_threads=1)
    assert {c.source.split(" ")[0] for c in report.kernel_choices} == set(EXPECTED_CANDIDATES)
    assert all(c.threads == (1,) and min(min(ms) for ms in c.times_ms.values()) > 0 for c in report.kernel_choices)
    assert read_info_from_file(path).metadata["kernel_tuning"] == "chromium relaxed-simd, 1 thread"
    assert report.verification[0].relative < 1e-4


def test_ops_without_choices_are_not_tuned():
    weight = ir.Tensor("w", ir.DTYPE_CODES[torch.float32], (64, 3, 3, 1), data=None)
    x = ir.Tensor("x", ir.DTYPE_CODES[torch.float32], (1, 8, 8, 64))
    depthwise = ir.Node("conv2d", [x, weight], [ir.Tensor("y", 0, (1, 8, 8, 64))],
                        {"layout": "nhwc", "weight_layout": "hwc", "kernel_size": [3, 3], "groups": 64})
    assert tuning.candidates(depthwise) == [{}]
    assert tuning.candidates(ir.Node("relu", [x], [x])) == [{}]
    nchw = ir.Node("conv2d", [x, weight], [x], {"layout": "nchw", "kernel_size": [3, 3]})
    assert tuning.candidates(nchw) == [{}], "the NCHW path has one algorithm"


@pytest.mark.parametrize("rows,tunable", [((1,), False), ((1, 7), False), ((2, 4), True),
                                          ((SymDim(1, "s0"), 1), True)])
def test_linears_of_few_rows_have_no_depth_block_to_choose(rows, tunable):
    """Fewer rows than contract.GEMM_MIN_ROWS_TO_PACK stream the weights in one k block, whatever
    gemm_depth_block says; a dynamic row count may have more."""
    from wasm_torch import contract
    weight = ir.Tensor("w", ir.DTYPE_CODES[torch.float32], (2, 300, 8), data=None)
    x = ir.Tensor("x", ir.DTYPE_CODES[torch.float32], (*rows, 300))
    linear = ir.Node("linear", [x, weight], [ir.Tensor("y", 0, (*rows, 10))],
                     {"weight_layout": contract.WEIGHT_LAYOUT_PANELS8})
    assert len(tuning.candidates(linear)) == (3 if tunable else 1)


def test_o2_files_are_not_tuned(tmp_path):
    report = export_to_wasm(TunableNet().eval(), tmp_path / "o2.wtm", torch.randn(1, 3, 16, 16))
    assert report.kernel_choices == [] and report.tuning_seconds < 1e-3
    assert all(not attrs for _, attrs in _node_attributes(tmp_path / "o2.wtm"))


def test_tuning_times_the_relaxed_simd_build_browsers_run():
    with WASMRuntime("node", relaxed_simd=True) as runtime:
        assert runtime.info()["kernels"] == "relaxed-simd"
    with pytest.raises(ValueError, match="relaxed SIMD in Node"):
        WASMRuntime("chromium", relaxed_simd=True)


def test_the_file_says_how_it_was_tuned(o3_export):
    from wasm_torch.serialize import read_info_from_file
    _, _, path, _ = o3_export
    assert read_info_from_file(path).metadata["kernel_tuning"] == "node relaxed-simd, 1 and 2 threads"
    assert read_info_from_file(path).metadata["optimization_level"] == "O3"
