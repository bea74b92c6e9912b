#!/usr/bin/env bash
# Installs everything wasm-torch needs on Debian 12 or 13 (as root), idempotently: the toolchain,
# Chromium and Firefox ESR from apt, a venv in .venv on the Python 3.11 first on PATH with PyTorch 2.x from PyPI
# (python/requirements-dev.txt pins the releases that lie on this machine kind's disk), and the npm
# dev dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

debian_major=$(cut -d. -f1 /etc/debian_version)
APT_PACKAGES=(
  build-essential cmake googletest libgtest-dev libsimde-dev
  emscripten nodejs
  flatbuffers-compiler libflatbuffers-dev
  chromium
  firefox-esr  # the second browser engine of the end-to-end tests (tests/e2e/browser.test.mjs)
  valgrind  # the performance gate's instruction counts (callgrind)
)
# Debian 12's emscripten compiles with clang 14, which has no final relaxed-SIMD opcodes: the
# relaxed variants build with clang 16 (Makefile: WASM_ENV_relaxed-*). Debian 13's is new enough.
# The fuzz harnesses (tests/fuzz) build with clang and its libFuzzer runtime: clang 16 on 12,
# Debian's default clang on 13.
if [ "$debian_major" -le 12 ]; then
  APT_PACKAGES+=(clang-16 lld-16 llvm-16 libclang-rt-16-dev)
else
  APT_PACKAGES+=(clang libclang-rt-dev)
fi

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
  python3 -c 'import sys; assert sys.version_info[:2] == (3, 11), "wasm-torch setup wants the Python 3.11 first on PATH (PyTorch 2.14.1 wheels lie on disk for it), found " + sys.version' ||
    exit 1
  python3 -m venv .venv
fi
if ! cmp -s python/requirements-dev.txt .venv/.requirements-installed; then
  echo "setup: pip install -r python/requirements-dev.txt (PyTorch 2.14.1 from this machine's disk; minutes)"
  .venv/bin/pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt
  cp python/requirements-dev.txt .venv/.requirements-installed
fi
.venv/bin/python -c "import wasm_torch" 2>/dev/null ||
  .venv/bin/pip install --quiet --disable-pip-version-check --no-build-isolation --no-deps -e python/

if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "setup: done"
