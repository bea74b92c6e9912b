#!/usr/bin/env bash
# What `make bench` needs beyond `make setup`: OpenBLAS (so native PyTorch is an honest baseline:
# Debian's torch otherwise uses the reference BLAS) and the onnxruntime peers from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' libopenblas0 2>/dev/null | grep -q "install ok installed"; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libopenblas0 > /dev/null
fi
if [ ! -d benchmarks/node_modules/onnxruntime-web ]; then
  # onnxruntime-node ships its CPU binaries; its install script would try to download GPU ones.
  (cd benchmarks && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi
