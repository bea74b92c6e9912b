"""The benchmark models: the coverage zoo's real sizes, an MLP, and one model of each torchvision
classification family the zoo lacks (channel shuffle, grouped convolutions, dense blocks,
squeeze-excitation, large-kernel depthwise, windowed attention) plus encoders built from
nn.TransformerEncoderLayer, all random-init at their real input sizes, batch 1."""
import sys
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fixtures"))
from hf_zoo import minilm  # noqa: E402
from zoo import build as zoo_build, calibrated, randomize_zero_weights  # noqa: E402

import torchvision  # noqa: E402

# torchvision families beyond the zoo's, by what each brings.
TORCHVISION = ["shufflenet_v2_x1_0",   # channel shuffle
               "mobilenet_v3_large",   # squeeze-excitation, hardswish
               "resnext50_32x4d",      # grouped convolutions
               "regnet_y_400mf",       # grouped convolutions with squeeze-excitation
               "densenet121",          # dense blocks (concats)
               "convnext_tiny",        # 7x7 depthwise, layer norm
               "swin_t"]               # windowed attention
NAMES = ["mlp", "resnet18", "mobilenet_v2", "resnet50", "efficientnet_b0", "vit_b_16", "bert_base_style", "minilm",
         *TORCHVISION, "transformer_encoder", "gpt2_style"]


def calibration_batches(inputs) -> list:
    """8 batches like the example, what static INT8 calibrates on: float inputs redrawn from a normal
    distribution (seeded), token ids kept."""
    generator = torch.Generator().manual_seed(0)
    return [tuple(torch.randn(t.shape, generator=generator) if t.is_floating_point() else t for t in inputs)
            for _ in range(8)]


def build(name: str):
    if name == "mlp":
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10))
        return model.eval(), (torch.randn(1, 784),)
    if name == "minilm":  # the real all-MiniLM-L6-v2 on three tokenized sentences (padded to 14 tokens)
        model, inputs, _ = minilm()
        return model, tuple(inputs.values())
    if name in TORCHVISION:
        torch.manual_seed(0)
        x = torch.randn(1, 3, 224, 224)
        return calibrated(randomize_zero_weights(getattr(torchvision.models, name)()), x), (x,)
    if name == "transformer_encoder":  # nn.TransformerEncoderLayer (PyTorch's fused fast path in eval)
        torch.manual_seed(0)
        layer = nn.TransformerEncoderLayer(d_model=512, nhead=8, dim_feedforward=2048, batch_first=True)
        return nn.TransformerEncoder(layer, num_layers=6, enable_nested_tensor=False).eval(), (torch.randn(1, 128, 512),)
    return zoo_build(name, "real")
