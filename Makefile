# wasm-torch: every entry point. `make demo` and `make test` install what they need first.
SHELL := /bin/bash
PY := $(CURDIR)/.venv/bin/python
JOBS ?= 2
export NODE_PATH := /usr/share/nodejs
VARIANTS := relaxed-simd-threads relaxed-simd simd-threads simd baseline
WASM_FLAGS_relaxed-simd-threads := -DWT_THREADS=ON -DWT_SIMD=ON -DWT_RELAXED_SIMD=ON
WASM_FLAGS_relaxed-simd := -DWT_THREADS=OFF -DWT_SIMD=ON -DWT_RELAXED_SIMD=ON
WASM_FLAGS_simd-threads := -DWT_THREADS=ON -DWT_SIMD=ON
WASM_FLAGS_simd := -DWT_THREADS=OFF -DWT_SIMD=ON
WASM_FLAGS_baseline := -DWT_THREADS=OFF -DWT_SIMD=OFF
# Relaxed SIMD needs clang 16: Debian 12's emscripten defaults to clang 14, which emits obsolete
# opcodes (scripts/setup.sh installs clang-16 there). Debian 13's emscripten compiler is newer.
ifeq ($(shell test "$$(cut -d. -f1 /etc/debian_version)" -le 12 && echo old),old)
WASM_ENV_relaxed-simd-threads := EM_LLVM_ADD_VERSION=16 EM_CLANG_ADD_VERSION=16
WASM_ENV_relaxed-simd := EM_LLVM_ADD_VERSION=16 EM_CLANG_ADD_VERSION=16
FUZZ_CC := clang-16
FUZZ_CXX := clang++-16
else
FUZZ_CC := clang
FUZZ_CXX := clang++
endif
FUZZ_HARNESSES := fuzz_load fuzz_forward fuzz_graph
FUZZ_SECONDS ?= 600
SETUP_STAMP := build/.setup-done

.PHONY: all setup build native wasm python-schema docs demo demo-page demo-assets test fixtures wheel test-models test-ops bench-kernels bench test-cpp test-asan test-fuzz test-python test-js test-e2e test-perf perf-baseline fuzz fuzz-build wasm-asan contract clean

all: build

setup: $(SETUP_STAMP)
$(SETUP_STAMP): scripts/setup.sh package.json package-lock.json python/pyproject.toml python/requirements-dev.txt
	bash scripts/setup.sh
	@mkdir -p build && touch $@

build: setup native wasm python-schema

# --- native: the shared library (Python's native engine) and the GoogleTest suite ---------
native: setup
	cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release -DWT_TESTS=ON > /dev/null
	cmake --build build/native -j$(JOBS)

build/asan/wt_tests: setup
	cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DWT_SANITIZE=ON > /dev/null
	cmake --build build/asan -j$(JOBS) --target wt_tests wasm_torch

# --- fuzz: libFuzzer harnesses over the C ABI, with ASan and UBSan (tests/fuzz/README.md) ----
fuzz-build: setup
	CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWT_FUZZ=ON -DWT_TESTS=OFF > /dev/null
	cmake --build build/fuzz -j$(JOBS) --target $(FUZZ_HARNESSES)

# The wasm build with AddressSanitizer (Node only, not shipped) that replays the fuzz corpus.
wasm-asan: setup
	emcmake cmake -S . -B build/wasm-asan -DCMAKE_BUILD_TYPE=Release -DWT_TESTS=OFF -DWT_VARIANT=asan -DWT_THREADS=OFF -DWT_SIMD=ON -DWT_SANITIZE=ON > /dev/null
	cmake --build build/wasm-asan -j$(JOBS) 2>&1 | grep -v "^\[\|Built target\|^$$" || true
	@test -f build/wasm-asan/wasm-torch-asan.mjs

# --- wasm: five variants, each an ES module + .wasm in js/dist/ ------------------------------
wasm: setup $(VARIANTS:%=js/dist/wasm-torch-%.mjs) js/dist/package.json

js/dist/wasm-torch-%.mjs: FORCE
	$(WASM_ENV_$*) emcmake cmake -S . -B build/wasm-$* -DCMAKE_BUILD_TYPE=Release -DWT_TESTS=OFF -DWT_VARIANT=$* $(WASM_FLAGS_$*) > /dev/null
	$(WASM_ENV_$*) cmake --build build/wasm-$* -j$(JOBS) 2>&1 | grep -v "pthreads-mem-growth\|^\[\|Built target\|Consolidate\|^$$" || true
	@mkdir -p js/dist
	cp build/wasm-$*/wasm-torch-$*.mjs build/wasm-$*/wasm-torch-$*.wasm js/dist/
	if [ -f build/wasm-$*/wasm-torch-$*.worker.js ]; then cp build/wasm-$*/wasm-torch-$*.worker.js js/dist/; fi
	# Pthread workers start as module workers: a bundler's dev server (Vite) serves every .js as a
	# module, adding imports of its own, which a classic worker cannot run. The worker script is valid
	# either way; Node's worker_threads ignore the option (tests/e2e/bundlers.test.mjs).
	sed -i -E 's/new Worker\((new URL\("wasm-torch-$*\.worker\.js", ?import\.meta\.url\)|pthreadMainJs)\)/new Worker(\1, { type: "module" })/g' $@
	@test -f $@

# The pthread worker script is CommonJS; the package itself is "type": "module".
js/dist/package.json:
	@mkdir -p js/dist
	echo '{"type": "commonjs"}' > $@

FORCE:

# --- the contract: constants all three languages share, from schema/contract.toml (committed;
# tests/python/test_contract.py fails when a generated file is stale) -------------------------
contract:
	python3 scripts/gen_contract.py

# --- python: the flatbuffers classes generated from the schema ------------------------------
python-schema: setup
	rm -rf build/pyschema python/wasm_torch/schema
	flatc --python -o build/pyschema schema/wasm_torch.fbs
	cp -r build/pyschema/wasm_torch/schema python/wasm_torch/schema

# --- the main job ---------------------------------------------------------------------------
demo: build
	$(PY) examples/digits/demo.py

# The demo page (examples/web): draw a digit, semantic search with all-MiniLM-L6-v2, a benchmark
# against onnxruntime-web. Builds its assets, then serves it and prints its URL (Ctrl-C stops).
demo-page: build demo-assets
	node examples/web/serve.mjs

# Its assets (build/demo-web): the trained digits CNN and MiniLM, exported for wasm-torch and ONNX
# (onnxruntime-web, from scripts/setup-bench.sh, runs in the page's benchmark tab).
demo-assets: build/demo-web/minilm.wtm
build/demo-web/minilm.wtm: examples/web/build_assets.py examples/digits/demo.py
	bash scripts/setup-bench.sh
	$(PY) examples/web/build_assets.py

# --- tests: all four layers -----------------------------------------------------------------
test: build build/asan/wt_tests
	bash scripts/run_tests.sh

# One process for the whole suite (ctest would start one per test: 8,800 processes, minutes).
test-cpp: native
	cd build/native && ./wt_tests --gtest_brief=1

test-asan: build/asan/wt_tests
	cd build/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./wt_tests --gtest_brief=1

# Replays the seed corpus and every past finding, then a short fixed number of runs per harness.
test-fuzz: fuzz-build wasm wasm-asan
	bash scripts/fuzz.sh test

# Every harness for FUZZ_SECONDS (default 600) each, growing build/fuzz/corpus/<harness>.
fuzz: fuzz-build
	bash scripts/fuzz.sh long $(FUZZ_SECONDS)

# The Python package as a wheel that works outside the checkout (the native library and the JS
# package with its builds inside): build/wheel/dist/. tests/python/test_wheel.py installs it in a fresh venv.
wheel: build
	$(PY) scripts/build_wheel.py

test-python: build
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q tests/python

test-js: build fixtures
	node --test tests/js/
	node --experimental-wasm-relaxed-simd --test tests/js/

test-e2e: build fixtures demo-assets
	node --test tests/e2e/

# The deterministic performance gate: callgrind instruction counts against benchmarks/perf/baseline.json.
build/native/wt_perf_probe: native
	cmake --build build/native --target wt_perf_probe -j$(JOBS)

test-perf: build build/native/wt_perf_probe
	$(PY) -m pytest -q tests/perf

# Records this toolchain's counts after a deliberate change (commit it, saying why).
perf-baseline: build build/native/wt_perf_probe
	$(PY) benchmarks/perf/perf_gate.py baseline

fixtures: build
	$(PY) tests/fixtures/make_fixtures.py build/fixtures

clean:
	rm -rf build js/dist python/wasm_torch/schema

docs: native python-schema
	$(PY) -m wasm_torch.docs > docs/OPERATORS.md

# Every coverage model at its real input size through Node (an hour and more; not part of `make test`).
test-models: build
	HF_HUB_OFFLINE=1 $(PY) scripts/model_table.py real

# Every sample of every included OpInfo op (minutes); writes docs/opinfo-results.json for `make docs`.
test-ops: build
	$(PY) scripts/opinfo_table.py

# GEMM micro-benchmark of the wasm SIMD build in Node (GFLOP/s against the measured SIMD128 peak).
bench-kernels: wasm
	cmake --build build/wasm-simd -j$(JOBS) --target gemm_bench > /dev/null
	$(WASM_ENV_relaxed-simd) cmake --build build/wasm-relaxed-simd -j$(JOBS) --target gemm_bench > /dev/null
	for v in simd relaxed-simd; do cp build/wasm-$$v/gemm_bench.js build/wasm-$$v/gemm_bench.cjs; done  # the workspace package.json says ESM
	(echo "== simd (SIMD128 mul + add)"; node --no-experimental-fetch build/wasm-simd/gemm_bench.cjs; \
	 echo "== relaxed-simd (f32x4.relaxed_madd)"; \
	 node --no-experimental-fetch --experimental-wasm-relaxed-simd build/wasm-relaxed-simd/gemm_bench.cjs) | tee benchmarks/results/gemm-node.txt

# wasm-torch against onnxruntime-web/-node and PyTorch (pip build: oneDNN/MKL), all models, one run (many minutes).
bench: build
	bash scripts/setup-bench.sh
	$(PY) benchmarks/bench.py
