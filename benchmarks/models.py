"""The benchmark models: the coverage zoo's real sizes plus an MLP."""
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fixtures"))
from hf_zoo import minilm  # noqa: E402
from zoo import build as zoo_build  # noqa: E402

NAMES = ["mlp", "resnet18", "mobilenet_v2", "resnet50", "efficientnet_b0", "vit_b_16", "bert_base_style", "minilm"]


def build(name: str):
    if name == "mlp":
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
        return model.eval(), (torch.randn(1, 784),)
    if name == "minilm":  # the real all-MiniLM-L6-v2 on three tokenized sentences (padded to 14 tokens)
        model, inputs, _ = minilm()
        return model, tuple(inputs.values())
    return zoo_build(name, "real")
