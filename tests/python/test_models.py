"""The coverage zoo, small configurations, through the wasm runtime in Node (real sizes: make test-models)."""
import pytest
import torch
import vision_zoo
from zoo import ZOO, build

from wasm_torch import WASMRuntime, export_to_wasm

RTOL, ATOL = 1e-3, 1e-4


@pytest.fixture(scope="module")
def node_runtime():
    with WASMRuntime("node") as rt:
        yield rt


@pytest.fixture(scope="module")
def node_reference_runtime():
    """The same wasm build running the scalar reference of every SIMD kernel."""
    with WASMRuntime("node", reference_kernels=True) as rt:
        assert rt.info()["kernels"] == "scalar"
        yield rt


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_model_matches_eager_in_node(node_runtime, node_reference_runtime, tmp_path, name, layout):
    model, inputs = build(name, "small")
    report = export_to_wasm(model, tmp_path / f"{name}.wtm", inputs, memory_layout=layout, verify_tolerance=RTOL)
    assert report.verification, "verification must run on export"
    with torch.no_grad():
        expected = model(*inputs)
    expected = tuple(torch.utils._pytree.tree_flatten(expected)[0])  # dict/tuple outputs, flattened as exported
    got = tuple(torch.utils._pytree.tree_flatten(node_runtime.load_model(tmp_path / f"{name}.wtm").forward(*inputs))[0])
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL)
    # Scale-free too: some random-init models output values below ATOL (mobilenet_v3_small ~1e-4).
    for g, e in zip(got, expected):
        assert float((g - e).abs().max()) <= RTOL * float(e.abs().max()), f"{name}: error large for the output scale"
    # The SIMD build against its own scalar references on the same file.
    reference = node_reference_runtime.load_model(tmp_path / f"{name}.wtm").forward(*inputs)
    for r, g, e in zip(torch.utils._pytree.tree_flatten(reference)[0], got, expected):
        assert float((r - e).abs().max()) <= RTOL * float(e.abs().max()), f"{name}: reference kernels differ from eager"
        assert float((g - r).abs().max()) <= RTOL * float(e.abs().max()), f"{name}: SIMD kernels differ from their references"


VISION_FAMILIES = ["convnext_tiny", "regnet_y_400mf", "shufflenet_v2_x0_5", "mnasnet0_5", "lraspp_mobilenet_v3_large"]


@pytest.mark.parametrize("name", VISION_FAMILIES)
def test_torchvision_family_matches_eager_in_node(node_runtime, tmp_path, name):
    """More torchvision families at small inputs (make test-models: every listed model at real size)."""
    model, inputs = vision_zoo.build(name, "small")
    export_to_wasm(model, tmp_path / "m.wtm", inputs, verify_tolerance=RTOL)
    with torch.no_grad():
        expected = torch.utils._pytree.tree_flatten(model(*inputs))[0]
    got = torch.utils._pytree.tree_flatten(node_runtime.load_model(tmp_path / "m.wtm").forward(*inputs))[0]
    for g, e in zip(got, expected):
        assert float((g - e).abs().max()) <= RTOL * float(e.abs().max()), name
