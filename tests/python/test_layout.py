"""to_nhwc: convolutional networks exported channels-last match eager, and change layout only at the
edges of their NHWC regions (each rewrite rule of optimize/layout.py, and where it must decline)."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from wasm_torch import WASMRuntime, export_to_wasm
from wasm_torch.capture import capture
from wasm_torch.optimize import optimize_graph


class Fn(nn.Module):
    def __init__(self, fn, *modules):
        super().__init__()
        self.fn, self.mods = fn, nn.ModuleList(modules)

    def forward(self, *xs):
        return self.fn(self.mods, *xs)


def conv(cin, cout, k=3, **kw):
    torch.manual_seed(cin * 100 + cout)
    return nn.Conv2d(cin, cout, k, padding=k // 2, **kw)


@pytest.fixture(scope="module")
def native():
    with WASMRuntime("native") as rt:
        yield rt


def nhwc_graph(model, inputs):
    graph = capture(model.eval(), inputs)
    passes = optimize_graph(graph, "O2", "nhwc")
    return graph, passes


def ops(graph, name):
    return [n for n in graph.nodes if n.op == name]


def layout_changes(graph):
    """Nodes the pass inserted to move a tensor between layouts (permutes and same-bytes views)."""
    return [n for n in graph.nodes if n.source == "layout"]


def _excite(m, y):
    return y * torch.sigmoid(m[2](F.silu(m[1](y.mean((2, 3), keepdim=True)))))


LAYER_SCALE = torch.linspace(0.5, 2, 4).view(4, 1, 1)


def batch_norm(channels):
    """A batch norm with running statistics that change its input (fresh ones are the identity)."""
    torch.manual_seed(channels)
    bn = nn.BatchNorm2d(channels)
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.5, 0.5)
    return bn.eval()


# name: (model, inputs, expected number of layout changes)
CASES = {
    # a classifier: one permute after the input; global pooling leaves NHWC without one
    "classifier": (Fn(lambda m, x: m[2](F.adaptive_avg_pool2d(F.relu(m[1](F.max_pool2d(m[0](x), 2))), 1).flatten(1)),
                      conv(3, 8), conv(8, 16, stride=2), nn.Linear(16, 5)), (torch.randn(2, 3, 13, 11),), 2),
    # concat on channels, a depthwise and a grouped convolution, residual add and ReLU6
    "concat_depthwise_grouped": (Fn(lambda m, x: F.relu6(m[2](torch.cat([m[0](x), m[1](x)], 1)) + m[3](x)),
                                    conv(4, 6), conv(4, 6, 1), conv(12, 12, groups=12), conv(4, 12, groups=2)),
                                 (torch.randn(1, 4, 9, 7),), 2),
    # squeeze-and-excitation: a per-channel scale from a mean with keepdim, broadcast back
    "squeeze_excitation": (Fn(lambda m, x: _excite(m, m[0](x)), conv(3, 16), conv(16, 4, 1), conv(4, 16, 1)),
                           (torch.randn(1, 3, 8, 8),), 2),
    # broadcast operands: a constant [C, 1, 1], a non-constant [W] row and a scalar
    "broadcast_operands": (Fn(lambda m, x, row: (m[0](x) + torch.arange(5.0).view(5, 1, 1)) * row - 0.5, conv(2, 5)),
                           (torch.randn(2, 2, 6, 7), torch.randn(7)), 4),
    # an unfolded batch norm (after pooling) as scale and shift, avg pooling with padding
    "batch_norm_avg_pool": (Fn(lambda m, x: m[1](F.avg_pool2d(m[0](x), 3, 2, 1, count_include_pad=False)),
                               conv(3, 6), nn.BatchNorm2d(6)), (torch.randn(1, 3, 10, 10),), 2),
    # an op that needs NCHW (pixel shuffle) in the middle: back and forth once each
    "nchw_op_in_between": (Fn(lambda m, x: m[1](F.pixel_shuffle(m[0](x), 2)), conv(3, 8), conv(2, 4)),
                           (torch.randn(1, 3, 5, 6),), 4),
    # ShuffleNetV2's unit: the channels chunked in two, one half through a branch, concatenated and
    # shuffled (view, transpose, reshape), then chunked again: all of it stays NHWC
    "shuffle_unit": (Fn(lambda m, x: (lambda y: (lambda a, b: torch.cat([a, F.relu(m[1](b))], 1))(*y.chunk(2, 1))
                                      .view(1, 2, 8, 6, 5).transpose(1, 2).reshape(1, 16, 6, 5).chunk(2, 1)[1])(m[0](x)),
                        conv(3, 16), conv(8, 8)), (torch.randn(1, 3, 6, 5),), 2),
    # reductions: keepdim over C and without keepdim over C, H, W stay NHWC; without keepdim over H
    # alone the NHWC output would order its dims differently: that one reads an NCHW copy
    "reductions": (Fn(lambda m, x: (lambda y: (y.amax(1, keepdim=True) * y, y.sum(2), y.mean((1, 2, 3))))(m[0](x)),
                      conv(3, 4)), (torch.randn(2, 3, 5, 6),), 3),
    # DenseNet's layer: a batch norm and ReLU after a concat, which no convolution absorbs
    "pre_activation": (Fn(lambda m, x: m[3](F.relu(m[2](torch.cat([m[0](x), m[1](x)], 1)))),
                          conv(3, 4), conv(3, 4, 1), batch_norm(8), conv(8, 5)), (torch.randn(1, 3, 7, 6),), 2),
    # ConvNeXt's block: channels last by the model's own permutes around a layer norm and linears,
    # scaled by a [C, 1, 1] constant and added to the block's input: both permutes become views
    "channels_last_block": (Fn(lambda m, x: (lambda y: m[3](y + LAYER_SCALE * m[2](
                                   F.gelu(m[1](m[0](y).permute(0, 2, 3, 1)))).permute(0, 3, 1, 2)))(m[4](x)),
                               conv(4, 4, 7, groups=4), nn.LayerNorm(4), nn.Linear(4, 4), conv(4, 3), conv(3, 4)),
                            (torch.randn(1, 3, 9, 8),), 2),
    # a model's permute of an NHWC image that is not to channels last: one permute of its bytes (where
    # the layout's permute to NCHW came first), then the next convolution's to NHWC
    "permute_of_nhwc_image": (Fn(lambda m, x: m[1](F.relu(m[0](x)).permute(0, 1, 3, 2)), conv(3, 4), conv(4, 2)),
                              (torch.randn(1, 3, 6, 5),), 3),
}


@pytest.mark.parametrize("name", list(CASES))
def test_nhwc_export_matches_eager(native, tmp_path, name):
    model, inputs, changes = CASES[name]
    model = model.eval()
    report = export_to_wasm(model, tmp_path / "m.wtm", inputs, memory_layout="nhwc", verify=False)
    assert report.memory_layout == "nhwc" and "to_nhwc" in report.passes_applied
    with torch.no_grad():
        expected = model(*inputs)
    flat = lambda out: tuple(torch.utils._pytree.tree_flatten(out)[0])  # noqa: E731
    torch.testing.assert_close(flat(native.load_model(tmp_path / "m.wtm").forward(*inputs)), flat(expected),
                               rtol=1e-4, atol=1e-5)
    graph, _ = nhwc_graph(model, inputs)
    assert len(layout_changes(graph)) == changes, [(n.op, n.outputs[0].name) for n in layout_changes(graph)]


def test_permutes_at_a_regions_edge_become_views():
    model, inputs, _ = CASES["channels_last_block"]
    graph, _ = nhwc_graph(model, inputs)
    assert [n.source for n in ops(graph, "permute")] == ["layout", "layout"]  # the input's and the output's
    assert not ops(graph, "mul") and not ops(graph, "add")  # the layer scale and the residual: in the linear
    model, inputs, _ = CASES["permute_of_nhwc_image"]
    graph, _ = nhwc_graph(model, inputs)
    transpose = [n for n in ops(graph, "permute") if n.source != "layout"]
    assert len(transpose) == 1 and transpose[0].attrs["perm"] == [0, 3, 2, 1]  # [N, C, W, H] from [N, H, W, C]


def test_a_batch_norm_no_convolution_absorbs_is_one_channel_affine_with_its_relu():
    model, inputs, _ = CASES["pre_activation"]
    graph, _ = nhwc_graph(model, inputs)
    affine = ops(graph, "channel_affine")
    assert len(affine) == 1 and affine[0].attrs["activation"] == "relu"
    assert affine[0].inputs[0].nhwc and [t.shape for t in affine[0].inputs[1:]] == [(8,), (8,)]
    assert not ops(graph, "batch_norm") and not ops(graph, "relu") and not ops(graph, "mul") and not ops(graph, "add")


def test_graph_inputs_and_outputs_stay_nchw(tmp_path):
    model = Fn(lambda m, x: m[0](x), conv(3, 4))
    graph, _ = nhwc_graph(model, (torch.randn(1, 3, 6, 5),))
    assert all(not t.nhwc for t in graph.inputs + graph.outputs)
    assert graph.outputs[0].shape == (1, 4, 6, 5)
    conv_node = ops(graph, "conv2d")[0]
    assert conv_node.attrs["layout"] == "nhwc" and conv_node.outputs[0].shape == (1, 6, 5, 4)


def test_each_tensor_changes_layout_once_whatever_its_readers():
    model = Fn(lambda m, x: m[0](x) + m[1](x) + m[2](x), conv(3, 4), conv(3, 4, 1), conv(3, 4, 5))
    graph, _ = nhwc_graph(model, (torch.randn(1, 3, 7, 7),))
    assert len(layout_changes(graph)) == 2  # the input once, the output once


def test_weights_are_packed_for_the_gemm_and_depthwise_kernels():
    model = Fn(lambda m, x: m[1](m[0](x)), conv(3, 12, 3), conv(12, 12, 5, groups=12))
    graph, _ = nhwc_graph(model, (torch.randn(1, 3, 7, 7),))
    dense, depthwise = ops(graph, "conv2d")
    assert dense.attrs["weight_layout"] == "panels8" and dense.inputs[1].shape == (2, 3 * 3 * 3, 8)
    assert dense.attrs["out_channels"] == 12 and dense.attrs["kernel_size"] == [3, 3]
    assert depthwise.attrs["weight_layout"] == "hwc" and depthwise.inputs[1].shape == (5, 5, 12)


def test_models_without_images_are_left_in_nchw(tmp_path):
    model = nn.Sequential(nn.Linear(6, 4), nn.ReLU()).eval()
    report = export_to_wasm(model, tmp_path / "m.wtm", torch.randn(2, 6), verify=False)
    assert report.memory_layout == "nchw" and "to_nhwc" not in report.passes_applied


def test_nchw_export_has_no_nhwc_op(tmp_path):
    model = Fn(lambda m, x: F.max_pool2d(m[0](x), 2), conv(3, 4)).eval()
    graph = capture(model, (torch.randn(1, 3, 6, 6),))
    assert "to_nhwc" not in optimize_graph(graph, "O2", "nchw")
    assert not any(n.attrs.get("layout") == "nhwc" for n in graph.nodes)


def test_divergence_report_compares_nhwc_intermediates_in_their_layout(native, tmp_path):
    """verify's search for the first diverging op permutes eager's NCHW values to NHWC tensors: a
    wrong bias (in the file only) is blamed on its conv, not on an earlier NHWC op."""
    from wasm_torch.verify import VerificationError, verify_export

    model = Fn(lambda m, x: m[1](F.relu(m[0](x))), conv(3, 5), conv(5, 2)).eval()
    x = torch.randn(1, 3, 6, 6)
    graph, _ = nhwc_graph(model, (x,))
    second = ops(graph, "conv2d")[1]
    second.inputs[2].data = second.inputs[2].data + 1.0
    with pytest.raises(VerificationError, match=f"first diverging op: conv2d producing '{second.outputs[0].name}'"):
        verify_export(graph, (x,), "native", 1e-4)


def _shuffle(y, groups=2):
    n, c, h, w = y.shape
    return y.view(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


def _unit(m, x):
    """ShuffleNetV2's unit: split, one half through a branch, concatenated, shuffled."""
    a, b = x.chunk(2, 1)
    return _shuffle(torch.cat([a, F.relu(m(b))], 1))


def test_channel_shuffle_fuses_into_interleaves(runtime, tmp_path):
    """Two ShuffleNet units: the first unit's concat, shuffle and the next unit's split become one
    interleave writing both halves (chunks 2); the last shuffle, read whole, one interleave (chunks 1).
    No concat or shuffle view is left, and of the slices only the first unit's split of a convolution's
    output; every engine computes what eager does."""
    model = Fn(lambda m, x: m[2](_unit(m[1], _unit(m[1], m[0](x)))), conv(3, 16), conv(8, 8), conv(16, 4)).eval()
    inputs = (torch.randn(1, 3, 6, 5),)
    graph, passes = nhwc_graph(model, inputs)
    assert passes[-2:] == ["to_nhwc", "fuse_channel_shuffle"]
    assert [n.attrs["chunks"] for n in ops(graph, "interleave")] == [2, 1]
    assert not ops(graph, "concat") and not ops(graph, "reshape")
    assert [n.inputs[0] for n in ops(graph, "slice")] == [ops(graph, "conv2d")[0].outputs[0]] * 2
    assert len(ops(graph, "permute")) == len(layout_changes(graph)) == 2  # the input's and the output's
    export_to_wasm(model, tmp_path / "m.wtm", inputs, verify=False)
    with torch.no_grad():
        expected = model(*inputs)
    torch.testing.assert_close(runtime.load_model(tmp_path / "m.wtm").forward(*inputs), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["three_groups", "halves_read_elsewhere", "nchw"])
def test_channel_shuffle_left_alone(native, tmp_path, case):
    """Shuffles the fusion does not match keep their ops and their values: three groups; a split
    whose tensor has a third reader (stays one interleave plus slices); an NCHW export (the channel
    axis is not last)."""
    if case == "three_groups":
        body = lambda m, x: _shuffle(torch.cat([m[0](x), m[1](x), m[2](x)], 1), 3)  # noqa: E731
    elif case == "halves_read_elsewhere":
        body = lambda m, x: (lambda y: torch.cat([*y.chunk(2, 1), y], 1))(_unit(m[0], m[1](x)))  # noqa: E731
    else:
        body = lambda m, x: _unit(m[0], m[1](x))  # noqa: E731
    model = Fn(body, conv(8, 8), conv(3, 16), conv(3, 8)).eval() if case != "three_groups" else \
        Fn(body, conv(3, 4), conv(3, 4), conv(3, 4)).eval()
    inputs = (torch.randn(1, 3, 6, 5),)
    layout = "nchw" if case == "nchw" else "nhwc"
    graph = capture(model, inputs)
    optimize_graph(graph, "O2", layout)
    interleaves = [n.attrs["chunks"] for n in ops(graph, "interleave")]
    assert interleaves == {"three_groups": [], "halves_read_elsewhere": [1], "nchw": []}[case]
    export_to_wasm(model, tmp_path / "m.wtm", inputs, memory_layout=layout, verify=False)
    with torch.no_grad():
        expected = model(*inputs)
    torch.testing.assert_close(native.load_model(tmp_path / "m.wtm").forward(*inputs), expected, rtol=1e-4, atol=1e-5)
