"""Writes the fuzzers' seed corpus, tests/fuzz/corpus/*.wtm: small real exports that between them
hold every part of the format and the main op families. Both layouts (NCHW and NHWC
convolutions), a transformer with int64 ids and dynamic batch and sequence axes, a view-heavy
module and the one-element stride list. Kept small (a few KB each) so the corpus lives in the
repository; regenerate with `.venv/bin/python tests/fuzz/make_seeds.py` after a format change."""
import sys
import warnings
from pathlib import Path

import torch
import torch.nn as nn

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "fixtures"))
from make_fixtures import TokenMixer, stride_list_model  # noqa: E402
from models import MLP  # noqa: E402

from wasm_torch import export_to_wasm  # noqa: E402


class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.dw = nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4)
        self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)
        self.fc = nn.Linear(2, 3)

    def forward(self, x):
        y = torch.relu(self.bn(self.conv(x)))
        y = nn.functional.max_pool2d(y, 2, ceil_mode=True) + nn.functional.avg_pool2d(y, 2, ceil_mode=True)
        y = nn.functional.hardswish(self.dw(y))
        y = nn.functional.interpolate(self.up(y), scale_factor=2, mode="bilinear")
        return self.fc(nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)).softmax(-1)


class TinyTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(11, 8)
        self.layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
        self.head = nn.Linear(8, 3)

    def forward(self, ids):
        h = self.layer(self.embed(ids))
        return self.head(h.mean(1)), h.argmax(-1)


class Views(nn.Module):
    def forward(self, x):
        y = x.transpose(1, 2).reshape(x.shape[0], -1)
        top, idx = y.topk(3, dim=-1)
        z = torch.cat([top, y[:, ::2].cumsum(-1)[:, :3]], dim=-1)
        return torch.where(z > 0, z, z.flip(-1)).clamp(-1, 1), idx, torch.gather(y, 1, idx)


def export(model, path, example, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        export_to_wasm(model.eval(), path, example, **kwargs)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    export(MLP(8, 8, 3), out / "mlp.wtm", torch.randn(2, 8))
    export(TinyCNN(), out / "cnn-nhwc.wtm", torch.randn(1, 3, 8, 8))
    export(TinyCNN(), out / "cnn-nchw.wtm", torch.randn(1, 3, 8, 8), memory_layout="nchw")
    export(TinyTransformer(), out / "transformer-ids-dynamic.wtm", torch.randint(0, 11, (2, 5)),
           dynamic_axes={"ids": {0: "batch", 1: "seq"}}, verify_tolerance=1e-3)
    export(TokenMixer(), out / "token-mixer-dynamic.wtm", torch.randn(2, 6, 8),
           dynamic_axes={"x": {0: "batch", 1: "seq"}})
    export(Views(), out / "views.wtm", torch.randn(2, 3, 4))
    (out / "stride-list.wtm").write_bytes(stride_list_model()[0])
    for f in sorted(out.glob("*.wtm")):
        print(f"{f.name}: {f.stat().st_size} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "corpus")
