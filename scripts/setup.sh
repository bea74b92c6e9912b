#!/usr/bin/env bash
# Installs everything wasm-torch needs on Debian 12 (as root), idempotently: system packages from
# apt, the Python package into .venv (from Debian's torch, no network), and npm dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake googletest libgtest-dev libsimde-dev
  emscripten nodejs clang-16 lld-16 llvm-16
  flatbuffers-compiler libflatbuffers-dev python3-flatbuffers
  python3-torch python3-torchvision python3-sklearn python3-numpy python3-pytest python3-venv python3-setuptools python3-wheel
  chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# The machine image ships Node 20 with its own npm; Debian's npm would conflict with it.
command -v npm > /dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
.venv/bin/python -c "import wasm_torch" 2>/dev/null ||
  .venv/bin/pip install --quiet --no-build-isolation --no-deps --no-index -e python/

if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: done"
