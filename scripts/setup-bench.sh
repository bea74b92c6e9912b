#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: the ONNX exporter's packages (torch.onnx.export of
# the peers' models), onnxruntime's Python package (quantize_dynamic: the peers' INT8 models) and
# the onnxruntime peers from npm. Native PyTorch is the pip build (oneDNN/MKL).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -c "import onnx, onnxscript, onnxruntime.quantization" 2>/dev/null ||
  .venv/bin/pip install --quiet --disable-pip-version-check onnx onnxscript onnxruntime
if [ ! -d benchmarks/node_modules/onnxruntime-web ]; then
  # onnxruntime-node ships its CPU binaries; its install script would try to download GPU ones.
  (cd benchmarks && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi
