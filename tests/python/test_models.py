"""The coverage zoo, small configurations, through the wasm runtime in Node (real sizes: make test-models)."""
import pytest
import torch
from zoo import ZOO, build

from wasm_torch import WASMRuntime, export_to_wasm

RTOL, ATOL = 1e-3, 1e-4


@pytest.fixture(scope="module")
def node_runtime():
    with WASMRuntime("node") as rt:
        yield rt


@pytest.mark.parametrize("layout", ["nchw", "nhwc"])
@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_model_matches_eager_in_node(node_runtime, tmp_path, name, layout):
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
