"""Export through Python, run on the real runtime (native, Node, Chromium), compare with eager."""
import math
import threading
import warnings

import pytest
import torch
from models import make

from wasm_torch import WASMRuntime, capture, export_to_wasm, optimize

ATOL = 1e-4


def _export(model, x, path, level, layout="nhwc"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return export_to_wasm(model, path, x, optimization_level=level, memory_layout=layout)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("level", ["O0", "O2"])
@pytest.mark.parametrize("name", ["mlp", "cnn"])
def test_outputs_match_eager(runtime, tmp_model, name, level, layout):
    model, x = make(name)
    report = _export(model, x, tmp_model, level, layout)
    with torch.no_grad():
        expected = model(x)
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = runtime.load_model(tmp_model).forward(x)
    got = got if isinstance(got, tuple) else (got,)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape and g.dtype == e.dtype
        torch.testing.assert_close(g, e, atol=ATOL, rtol=1e-4)
    assert report.file_bytes == tmp_model.stat().st_size


def test_every_first_op_set_op_reaches_the_runtime(tmp_model):
    model, x = make("cnn")
    ops = _export(model, x, tmp_model, "O0", "nchw").ops  # NHWC would turn pooling and batch norm into others
    for op in ("conv2d", "batch_norm", "relu", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "add", "mul",
               "reshape", "linear", "softmax", "log_softmax"):
        assert op in ops, op


def test_o2_folds_batch_norm_and_fuses_relu(tmp_model):
    model, x = make("cnn")
    o0 = _export(model, x, tmp_model, "O0")
    o2 = _export(model, x, tmp_model, "O2")
    assert "batch_norm" not in o2.ops and o2.ops.get("relu", 0) < o0.ops["relu"]
    assert {"fold_batch_norm_into_conv", "fuse_activation"} <= set(o2.passes_applied)


class _FusableActivations(torch.nn.Module):
    """Each conv2d/linear feeds one activation the O2 pass fuses into it (incl. a Winograd 3x3 conv,
    a depthwise one and a 1x1 one), and the epilogue must compute what eager does."""

    def __init__(self):
        super().__init__()
        self.conv3 = torch.nn.Conv2d(8, 8, 3, padding=1)  # 16x16 output: Winograd
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pw = torch.nn.Conv2d(8, 12, 1)
        self.strided = torch.nn.Conv2d(12, 12, 3, stride=2, padding=1)
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(768, 40), torch.nn.Linear(40, 40), torch.nn.Linear(40, 9)

    def forward(self, x):
        x = torch.nn.functional.silu(self.conv3(x))
        x = torch.nn.functional.hardswish(self.dw(x))
        x = torch.sigmoid(self.pw(x))
        x = torch.clamp(self.strided(x), -0.1, 0.3)
        x = torch.nn.functional.gelu(self.fc1(x.flatten(1)))
        x = torch.tanh(self.fc2(x))
        return torch.nn.functional.gelu(self.fc3(x), approximate="tanh")


class _Residuals(torch.nn.Module):
    """Residual adds the O2 pass moves into the convolution before them: Winograd and GEMM paths,
    the residual dying at the add (written over) or still read later (copied), either operand
    order, with and without an activation after; a depthwise one stays an add."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.wino = torch.nn.Conv2d(8, 8, 3, padding=1)  # 16x16 output: Winograd
        self.pw = torch.nn.Conv2d(8, 8, 1)
        self.pw2 = torch.nn.Conv2d(8, 8, 1, bias=False)
        self.strided = torch.nn.Conv2d(8, 8, 3, padding=2, dilation=2)  # im2col GEMM
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)

    def forward(self, x):
        h = self.stem(x)
        a = torch.relu(self.wino(h) + h)  # h dies here
        b = a + self.pw(a)
        c = torch.relu(self.pw2(b) + b)  # b is read again below
        d = self.strided(c) + b
        return self.dw(d) + d + x.mean()


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_o2_fuses_residual_adds_into_convolutions(runtime, tmp_model, layout):
    model, x = _Residuals().eval(), torch.randn(2, 3, 16, 16)
    report = _export(model, x, tmp_model, "O2", layout)
    assert "fuse_residual_add" in report.passes_applied
    assert report.ops.get("relu", 0) == 0 and report.ops["add"] == 2, report.ops  # the depthwise one, + mean
    with torch.no_grad():
        expected = model(x)
    m = runtime.load_model(tmp_model)
    for _ in range(2):  # the input and the weights survive a run
        torch.testing.assert_close(m.forward(x), expected, atol=ATOL, rtol=1e-4)


class _DyingResidual(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (torch.nn.Conv2d(8, 8, 1) for _ in range(3))

    def forward(self, x):
        h = self.a(x)
        return torch.relu(self.b(self.c(h)) + h)


class _LayerScale(torch.nn.Module):
    """CaiT's and ConvNeXt's layer scale: x + gamma * linear(x), gamma a constant per feature (or,
    `across_rows`, per row: not a feature scale, which must stay a mul)."""

    def __init__(self, bias, across_rows=False, rows=1):
        super().__init__()
        torch.manual_seed(3)
        self.proj = torch.nn.Linear(12, 12, bias=bias)
        gamma = torch.linspace(-1, 2, rows).view(rows, 1) if across_rows else torch.rand(12) + 0.5
        self.gamma = torch.nn.Parameter(gamma)

    def forward(self, x):
        return x + self.gamma * self.proj(x)


@pytest.mark.parametrize("rows", [1, 6])  # 32-wide weight panels (a batch-1 row streams them), 8-wide
@pytest.mark.parametrize("bias", [True, False])
def test_o2_folds_a_layer_scale_into_its_linear(runtime, tmp_model, rows, bias):
    model, x = _LayerScale(bias).eval(), torch.randn(1, rows, 12)
    report = _export(model, x, tmp_model, "O2", "nchw")
    assert "fold_linear_scale" in report.passes_applied
    assert report.ops.get("mul", 0) == 0 and report.ops.get("add", 0) == 0, report.ops  # the add fused as a residual
    with torch.no_grad():
        torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), model(x), atol=ATOL, rtol=1e-4)


def test_a_scale_across_rows_is_not_folded(runtime, tmp_model):
    model, x = _LayerScale(True, across_rows=True, rows=5).eval(), torch.randn(1, 5, 12)
    report = _export(model, x, tmp_model, "O2", "nchw")
    assert "fold_linear_scale" not in report.passes_applied and report.ops["mul"] == 1, report.ops
    with torch.no_grad():
        torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), model(x), atol=ATOL, rtol=1e-4)


def test_batch_norm_is_not_folded_into_a_convolution_carrying_a_residual():
    """With the residual fused first (a custom pass order), bn(conv(x) + r) must stay a batch norm."""

    class ConvAddBn(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv, self.bn = torch.nn.Conv2d(4, 4, 1), torch.nn.BatchNorm2d(4)

        def forward(self, x):
            h = x * 2
            return self.bn(self.conv(h) + h)

    graph = capture.capture(ConvAddBn().eval(), (torch.randn(1, 4, 5, 5),))
    assert optimize.PASSES["fuse_residual_add"](graph)
    assert not optimize.PASSES["fold_batch_norm_into_conv"](graph)
    assert [n.op for n in graph.nodes].count("batch_norm") == 1


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_residual_convolution_writes_over_a_dying_residual(runtime, tmp_model, layout):
    model, x = _DyingResidual().eval(), torch.randn(1, 8, 64, 64)
    report = _export(model, x, tmp_model, "O2", layout)
    # NHWC: the input's permuted copy dies at the first convolution, the output is permuted back.
    assert report.ops == ({"conv2d": 3} if layout == "nchw" else {"conv2d": 3, "permute": 2}), report.ops
    loaded = runtime.load_model(tmp_model)
    # The input (kept whole for a forward that reuses it), h and c(h): the output takes h's bytes
    # (without the pass, or if the planner would not share, 4).
    assert loaded.memory["arena_bytes"] == 3 * x.numel() * 4
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(loaded.forward(x), expected, atol=ATOL, rtol=1e-4)


class _LinearResiduals(torch.nn.Module):
    """Residual adds the O2 pass moves into the linear before them: over 2-d and 3-d inputs (a view
    between linear and add), the residual dying at the add (written over) or still read later
    (copied), either operand order, no bias, an activation after; one adding the linear's own input
    (read twice: copied) and one after a fused GELU (stays an add)."""

    def __init__(self, width=96):
        super().__init__()
        self.a, self.b, self.c, self.d = (torch.nn.Linear(width, width) for _ in range(4))
        self.e = torch.nn.Linear(width, width, bias=False)
        self.f = torch.nn.Linear(width, width)

    def forward(self, x):
        h = self.a(x)
        g = torch.relu(self.b(h) + h)  # h dies here
        k = g + self.c(g)  # g is read again below
        m = self.e(k) + g
        n = self.d(m) + m  # the linear's own input
        return torch.nn.functional.gelu(self.f(n)) + n


@pytest.mark.parametrize("shape", [(1, 96), (3, 96), (6, 96), (41, 96), (2, 9, 96)])
def test_o2_fuses_residual_adds_into_linears(runtime, tmp_model, shape):
    """1 and 3 rows stream 32-column panels, 6 run 4x8 tiles, 41 and 18 (3-d) 5x8 tiles."""
    torch.manual_seed(1)
    model, x = _LinearResiduals().eval(), torch.randn(*shape)
    report = _export(model, x, tmp_model, "O2")
    assert "fuse_residual_add" in report.passes_applied
    assert report.ops.get("relu", 0) == 0 and report.ops["add"] == 1, report.ops  # the one after a GELU
    with torch.no_grad():
        expected = model(x)
    m = runtime.load_model(tmp_model)
    for _ in range(2):  # the input and the weights survive a run
        torch.testing.assert_close(m.forward(x), expected, atol=ATOL, rtol=1e-4)


def test_residual_linear_writes_over_a_dying_residual(runtime, tmp_model):
    class DyingResidual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = (torch.nn.Linear(64, 64) for _ in range(3))

        def forward(self, x):
            h = self.a(x)
            return torch.relu(self.b(self.c(h)) + h)

    model, x = DyingResidual().eval(), torch.randn(4, 16, 64)
    report = _export(model, x, tmp_model, "O2")
    assert report.ops == {"linear": 3}, report.ops  # 3-d linears stay linears (torch.export keeps aten.linear)
    loaded = runtime.load_model(tmp_model)
    # The input (kept whole for a forward that reuses it), h and c(h): the output takes h's bytes
    # (without the pass, or if the planner would not share, 4).
    assert loaded.memory["arena_bytes"] == 3 * x.numel() * 4
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(loaded.forward(x), expected, atol=ATOL, rtol=1e-4)


def test_o2_fuses_an_activation_behind_a_reshape(runtime, tmp_model):
    model = torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)).eval()
    x = torch.randn(2, 5, 16)  # 3-d
    report = _export(model, x, tmp_model, "O2")
    assert "gelu" not in report.ops and report.ops["linear"] == 2, report.ops
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), expected, atol=ATOL, rtol=1e-4)


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
def test_o2_fuses_every_epilogue_activation(runtime, tmp_model, layout):
    model, x = _FusableActivations().eval(), torch.randn(2, 8, 16, 16)
    report = _export(model, x, tmp_model, "O2", layout)
    # NHWC: a permute after the input, and one before the flatten.
    assert set(report.ops) == {"conv2d", "linear", "reshape"} | ({"permute"} if layout == "nhwc" else set()), report.ops
    with torch.no_grad():
        expected = model(x)
    torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), expected, atol=ATOL, rtol=1e-4)


def test_o2_writes_linear_weights_as_gemm_panels(runtime, tmp_model):
    """N = 1, 8, 13 and 20 (zero-padded last panel), rows 1 (the streaming path) and 6: panels at
    O2, [K, N] at O1, both as eager."""
    shared = torch.nn.Linear(13, 13)

    class Panels(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b, self.c = torch.nn.Linear(7, 13), torch.nn.Linear(13, 20), torch.nn.Linear(20, 1)
            self.d = torch.nn.Linear(1, 8, bias=False)

        def forward(self, x):
            h = shared(torch.relu(shared(self.a(x))))
            return self.d(self.c(self.b(h)))

    model = Panels().eval()
    graph = capture.capture(model, (torch.randn(1, 7),))
    optimize.optimize_graph(graph, "O2")
    linears = [n for n in graph.nodes if n.op == "linear"]
    assert {n.attrs["weight_layout"] for n in linears} == {"panels8"}
    assert [n.inputs[1].shape for n in linears] == [(2, 7, 8), (2, 13, 8), (2, 13, 8), (3, 13, 8), (1, 20, 8), (1, 1, 8)]
    for rows in (1, 6):
        x = torch.randn(rows, 7)
        with torch.no_grad():
            expected = model(x)
        for level in ("O1", "O2"):
            report = _export(model, x, tmp_model, level)
            assert ("pack_linear_weights" in report.passes_applied) == (level == "O2")
            torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), expected, atol=ATOL, rtol=1e-4)


def test_linears_of_few_rows_stream_32_column_panels(runtime, tmp_model):
    """Linears of 1-3 input rows get 32-column panels ("panels32") where N pads to them at little
    cost (96; 300, whose last group is partial), else 8-column panels (40); 4 rows get 8 everywhere."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(50, 96), torch.nn.ReLU(), torch.nn.Linear(96, 40),
                                torch.nn.Linear(40, 300)).eval()
    for rows, widths in ((1, [32, 8, 32]), (3, [32, 8, 32]), (4, [8, 8, 8])):
        x = torch.randn(rows, 50)
        graph = capture.capture(model, (x,))
        optimize.optimize_graph(graph, "O2")
        linears = [n for n in graph.nodes if n.op == "linear"]
        assert [n.inputs[1].shape[2] for n in linears] == widths
        assert [n.attrs["weight_layout"] for n in linears] == [f"panels{w}" for w in widths]
        with torch.no_grad():
            expected = model(x)
        _export(model, x, tmp_model, "O2")
        torch.testing.assert_close(runtime.load_model(tmp_model).forward(x), expected, atol=ATOL, rtol=1e-4)


def test_elementwise_ops_split_long_runs_over_threads(runtime, tmp_model):
    """Binary ops and comparisons split output elements, not runs, over threads: runs of 5000 (a
    same-shape add is one run of 15000) cut into chunks of 4096 that end mid-run, with operands
    broadcast along the run and across runs."""
    class LongRuns(torch.nn.Module):
        def forward(self, a, b, c):
            return ((a + b) * c - c / (c.abs() + 1)) + (a > b).float() * (2 - a)

    model = LongRuns().eval()
    inputs = (torch.randn(3, 5000), torch.randn(3, 5000), torch.randn(3, 1))
    with torch.no_grad():
        expected = model(*inputs)
    _export(model, inputs, tmp_model, "O2")
    torch.testing.assert_close(runtime.load_model(tmp_model).forward(*inputs), expected, atol=ATOL, rtol=1e-5)


class _SharingChain(torch.nn.Module):
    def forward(self, x):
        y = torch.sigmoid(torch.relu(x)).reshape(64, 64)  # relu: a new buffer (x is the caller's);
        y = torch.tanh(y * y).reshape(4096)               # the rest in place, the reshapes views
        a, b = torch.exp(y), torch.erf(y)  # y lives on: exp takes a new buffer
        return a + b, x - 1  # erf over y (dead after it) and the add over a in place


def test_views_and_in_place_ops_share_buffers(runtime, tmp_model):
    model, x = _SharingChain().eval(), torch.randn(4096)
    report = _export(model, x, tmp_model, "O2")
    assert report.ops["reshape"] == 2, report.ops
    loaded = runtime.load_model(tmp_model)
    # Three 16 KiB buffers: x, the chain's (free after the add, so x - 1 goes there) and exp's.
    assert loaded.memory["arena_bytes"] == 3 * 4096 * 4
    with torch.no_grad():
        expected = model(x)
    for _ in range(2):  # a second run reads the same, unclobbered input
        got = loaded.forward(x)
        for g, e in zip(got, expected):
            torch.testing.assert_close(g, e, atol=ATOL, rtol=1e-4)


class _HandWrittenAttention(torch.nn.Module):
    """q k^T / sqrt(d) + mask -> softmax -> @ v as BERT- and GPT-style blocks write it; with
    keep_probs the probabilities are also returned, which must keep the unfused ops."""

    def __init__(self, keep_probs=False):
        super().__init__()
        self.keep_probs = keep_probs
        self.register_buffer("causal", torch.full((9, 9), float("-inf")).triu(1))

    def forward(self, q, k, v):  # [B, H, L, D]
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + self.causal
        probs = scores.softmax(-1)
        out = (probs @ v).transpose(1, 2).reshape(q.shape[0], q.shape[2], -1)
        return (out, probs) if self.keep_probs else out


@pytest.mark.parametrize("keep_probs", [False, True])
def test_o2_fuses_hand_written_attention(runtime, tmp_model, keep_probs):
    model = _HandWrittenAttention(keep_probs).eval()
    x = (torch.randn(2, 3, 9, 5), torch.randn(2, 3, 9, 5), torch.randn(2, 3, 9, 7))
    report = _export(model, x, tmp_model, "O2")
    fused = "fuse_attention" in report.passes_applied
    assert fused != keep_probs and ("softmax" in report.ops) == keep_probs, report.ops
    with torch.no_grad():
        expected = model(*x)
    got = runtime.load_model(tmp_model).forward(*x)
    for g, e in zip(got if keep_probs else [got], expected if keep_probs else [expected]):
        torch.testing.assert_close(g, e, atol=ATOL, rtol=1e-4)


class _MaskedAttention(torch.nn.Module):
    """Attention with a constant additive mask, hand-written or through scaled_dot_product_attention."""

    def __init__(self, mask, sdpa):
        super().__init__()
        self.sdpa = sdpa
        self.register_buffer("mask", mask)

    def forward(self, q, k, v):
        if self.sdpa:
            return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=self.mask)
        return ((q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5 + self.mask).softmax(-1) @ v


def _triu_mask(length, keys, diagonal, fill):
    return torch.full((length, keys), fill).triu(diagonal)


@pytest.mark.parametrize("sdpa", [False, True])
@pytest.mark.parametrize("mask, causal", [
    (_triu_mask(30, 30, 1, float("-inf")), True),                      # GPT-style: triu(-inf, 1)
    (_triu_mask(30, 30, 1, torch.finfo(torch.float32).min), True),     # Hugging Face's fill
    (_triu_mask(30, 30, 2, float("-inf")), False),                     # one key more: not causal
    (_triu_mask(30, 30, 1, -1e4), False),                              # a finite fill: kept as a bias
])
def test_causal_masks_become_the_causal_flag(runtime, tmp_model, mask, causal, sdpa):
    model = _MaskedAttention(mask, sdpa).eval()
    x = tuple(torch.randn(1, 2, 30, 16) for _ in range(3))
    graph = capture.capture(model, x)
    optimize.optimize_graph(graph, "O2")
    (attention,) = [n for n in graph.nodes if n.op == "attention"]
    assert attention.attrs.get("causal", 0) == int(causal) and len(attention.inputs) == (3 if causal else 4)
    _export(model, x, tmp_model, "O2")
    with torch.no_grad():
        expected = model(*x)
    torch.testing.assert_close(runtime.load_model(tmp_model).forward(*x), expected, atol=ATOL, rtol=1e-4)


def test_operation_profile_names_every_step(runtime, tmp_model):
    model, x = make("cnn")
    report = _export(model, x, tmp_model, "O2")
    steps = runtime.load_model(tmp_model).profile(x, runs=3)
    assert [s["index"] for s in steps] == list(range(sum(report.ops.values())))
    assert sorted({s["op"] for s in steps}) == sorted(report.ops)
    assert all(s["totalMs"] >= 0 and abs(s["meanMs"] * 3 - s["totalMs"]) < 1e-6 for s in steps)
    assert sum(s["totalMs"] for s in steps) > 0
    assert any(s["source"].startswith("conv") or "." in s["source"] for s in steps)


def test_runtime_reports_its_variant(runtime):
    info = runtime.info()
    assert info["threads"] >= 1
    if runtime.engine != "native":
        relaxed = "relaxed-" if runtime.engine == "chromium" else ""  # Node 20 has no relaxed SIMD by default
        assert info["variant"] == relaxed + ("simd-threads" if info["threads"] > 1 else "simd")
        assert info["simd"] is True


def test_repeated_forward_is_stable(runtime, tmp_model):
    model, x = make("mlp")
    _export(model, x, tmp_model, "O2")
    m = runtime.load_model(tmp_model)
    first = m.forward(x)
    for _ in range(5):
        assert torch.equal(m.forward(x), first)
    m.close()


def test_native_models_of_one_runtime_run_from_two_threads(tmp_model):
    """Two OS threads forward their own models of one 2-thread native runtime at the same time
    (ctypes releases the GIL): the forwards take turns on the pool, so both keep matching eager."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
                                torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(32, 10)).eval()
    x = torch.randn(1, 3, 48, 48)
    _export(model, x, tmp_model, "O2")
    with torch.no_grad():
        expected = model(x)
    failures = []

    def run(m):
        try:
            for _ in range(30):
                torch.testing.assert_close(m.forward(x), expected, atol=ATOL, rtol=1e-4)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            failures.append(e)

    with WASMRuntime("native", threads=2) as rt:
        threads = [threading.Thread(target=run, args=(rt.load_model(tmp_model),), daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a forward did not return"
    assert failures == []


def test_chromium_worker_mode_matches_the_main_thread(tmp_model):
    """WASMRuntime(worker=True) runs the page's runtime in a Worker, WASMTorch.init's default on a
    page (make bench's wt-default columns): the same outputs as on the page's main thread."""
    model, x = make("mlp")
    _export(model, x, tmp_model, "O2")
    with pytest.raises(ValueError, match="engine='chromium'"):
        WASMRuntime("node", worker=True)
    # Two int64 inputs as well: in worker mode they share one staging buffer (js/src/remote.js).
    from zoo import build as zoo_build
    encoder, tokens = zoo_build("bert_base_style")
    encoder_file = tmp_model.with_name("encoder.wtm")
    export_to_wasm(encoder, encoder_file, tokens, verify=False)
    outputs = []
    for worker in (False, True):
        with WASMRuntime("chromium", threads=2, worker=worker) as rt:
            assert rt.info()["worker"] is worker
            outputs.append((rt.load_model(tmp_model).forward(x), rt.load_model(encoder_file).forward(*tokens)))
    assert torch.equal(outputs[0][0], outputs[1][0])
    torch.testing.assert_close(outputs[0][0], model(x), rtol=1e-4, atol=1e-5)
    assert torch.equal(outputs[0][1], outputs[1][1])
    with torch.no_grad():
        torch.testing.assert_close(outputs[1][1], encoder(*tokens), rtol=1e-3, atol=1e-4)
