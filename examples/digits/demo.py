"""The main job: train a small CNN on scikit-learn's digits, export it, and classify the held-out
digits in Node and in headless Chromium through the WebAssembly runtime, next to PyTorch.

    make demo        (or: .venv/bin/python examples/digits/demo.py)
"""
from __future__ import annotations

import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from wasm_torch import WASMRuntime, export_to_wasm

SEED = 0
EPOCHS = 30


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return torch.log_softmax(self.classifier(self.features(x)), dim=1)


def load_data():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # [N, 1, 8, 8] in [0, 1]
    return train_test_split(x, digits.target, test_size=0.2, random_state=SEED, stratify=digits.target)


def train(x_train, y_train) -> DigitsCNN:
    torch.manual_seed(SEED)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    xs, ys = torch.from_numpy(x_train), torch.from_numpy(y_train)
    for _ in range(EPOCHS):
        perm = torch.randperm(len(xs))
        for i in range(0, len(xs), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.nll_loss(model(xs[idx]), ys[idx]).backward()
            opt.step()
    return model.eval()


def pytorch_run(model, x_test):
    torch.set_num_threads(1)
    with torch.no_grad():
        predictions = np.array([int(model(torch.from_numpy(x[None])).argmax()) for x in x_test])
        one = torch.from_numpy(x_test[:1])
        times = []
        for i in range(35):  # timed like the engines: 30 samples of 100 forwards, after warm-up
            start = time.perf_counter()
            for _ in range(100):
                model(one)
            if i >= 5:
                times.append((time.perf_counter() - start) * 1e3 / 100)
    return predictions, times


def wasm_run(engine, model_path, x_test, threads=1):
    with WASMRuntime(engine, threads=threads) as runtime:
        model = runtime.load_model(model_path)
        predictions = np.array([int(model.forward(torch.from_numpy(x[None])).argmax()) for x in x_test])
        times = model.benchmark(torch.from_numpy(x_test[:1]), iterations=30, warmup=5, repeat=100)
        return predictions, times, runtime.info()


def main():
    started = time.perf_counter()
    x_train, x_test, y_train, y_test = load_data()
    model = train(x_train, y_train)
    print(f"trained DigitsCNN on {len(x_train)} digits in {time.perf_counter() - started:.1f} s")

    model_path = Path(tempfile.mkdtemp()) / "digits.wtm"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = export_to_wasm(model, model_path, torch.from_numpy(x_test[:1]))
    print(report)

    torch_pred, torch_times = pytorch_run(model, x_test)
    torch_ms = statistics.median(torch_times)
    rows = [("PyTorch eager (1 thread)", (torch_pred == y_test).mean(), 1.0, torch_ms, "native")]
    for engine, threads in (("node", 1), ("chromium", 1), ("chromium", 2)):
        pred, times, info = wasm_run(engine, model_path, x_test, threads)
        rows.append((f"wasm-torch in {engine} ({info['variant']}, {info['threads']} thread{'s' * (threads > 1)})",
                     (pred == y_test).mean(), (pred == torch_pred).mean(), statistics.median(times), info["variant"]))

    print(f"\nheld-out digits: {len(x_test)}; latency = median per inference (batch 1), each engine timed inside itself")
    print(f"{'runtime':<48} {'accuracy':>9} {'agrees w/ torch':>16} {'ms/inference':>13} {'vs torch':>9}")
    for name, acc, agree, ms, _ in rows:
        print(f"{name:<48} {acc:>9.2%} {agree:>16.2%} {ms:>13.4f} {ms / torch_ms:>8.2f}x")
    if any(acc != rows[0][1] for _, acc, _, _, _ in rows):
        raise SystemExit("accuracy differs from PyTorch's")
    print(f"\ndemo finished in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
