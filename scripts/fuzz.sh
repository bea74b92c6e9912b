#!/usr/bin/env bash
# Runs the libFuzzer harnesses built by `make fuzz-build` (build/fuzz/).
#   fuzz.sh test          replay the seeds and every past finding, then a fixed number of runs per
#                         harness (seeded, so a run is repeatable), then all of it through the wasm
#                         builds in Node (tests/fuzz/replay_wasm.mjs); prints "# pass N" / "# fail N"
#   fuzz.sh long SECONDS  each harness for SECONDS, growing build/fuzz/corpus/<harness>; prints
#                         the executions and coverage per harness (docs/RELIABILITY.md has figures)
# A finding lands in build/fuzz/findings/; once fixed, it belongs in tests/fuzz/findings/.
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
mode=${1:-test}
harnesses=(fuzz_load fuzz_forward fuzz_graph)
seeds=tests/fuzz/corpus
past=tests/fuzz/findings
mkdir -p build/fuzz/findings
# detect_leaks: a load or forward that leaks is a finding too. Allocations over 2 GiB fail (return
# null) as they do in wasm32's heap, where a small file may ask for that much: the runtime must
# answer with an out-of-memory error.
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=2048
export UBSAN_OPTIONS=print_stacktrace=1
common=(-max_len=65536 -timeout=30 -rss_limit_mb=4096 -artifact_prefix=build/fuzz/findings/ -print_final_stats=1)

pass=0 fail=0
check() {  # name, command...: one test line per check, as node --test counts them
  local name=$1
  shift
  if "$@" > "build/fuzz/$name.log" 2>&1; then
    pass=$((pass + 1))
    echo "ok - $name"
  else
    fail=$((fail + 1))
    echo "not ok - $name (build/fuzz/$name.log)"
    tail -40 "build/fuzz/$name.log"
  fi
}

case $mode in
  test)
    for h in "${harnesses[@]}"; do
      mkdir -p "build/fuzz/corpus/$h"
      # libFuzzer runs each file it is given once and exits.
      check "$h-replay" "build/fuzz/$h" "${common[@]}" "$seeds"/* "$past"/*
      check "$h-20000-runs" "build/fuzz/$h" "${common[@]}" -seed=1 -runs=20000 "build/fuzz/corpus/$h" "$seeds"
    done
    # Everything above, through the shipped wasm build and the wasm ASan build in Node.
    inputs=("$seeds" "$past" build/fuzz/corpus/*)
    check wasm-simd-replay node tests/fuzz/replay_wasm.mjs js/dist/wasm-torch-simd.mjs "${inputs[@]}"
    check wasm-asan-replay node tests/fuzz/replay_wasm.mjs build/wasm-asan/wasm-torch-asan.mjs "${inputs[@]}"
    echo "# pass $pass"
    echo "# fail $fail"
    [ "$fail" -eq 0 ]
    ;;
  long)
    seconds=${2:-600}
    for h in "${harnesses[@]}"; do
      mkdir -p "build/fuzz/corpus/$h"
      "build/fuzz/$h" "${common[@]}" -max_total_time="$seconds" "build/fuzz/corpus/$h" "$seeds" \
        > "build/fuzz/$h-long.log" 2>&1
      rc=$?
      runs=$(grep -oP '(?<=stat::number_of_executed_units: )\d+' "build/fuzz/$h-long.log" | tail -1)
      cov=$(grep -oP '(?<=cov: )\d+' "build/fuzz/$h-long.log" | tail -1)
      ft=$(grep -oP '(?<=ft: )\d+' "build/fuzz/$h-long.log" | tail -1)
      echo "$h: ${runs:-0} executions, cov ${cov:-?} edges, ft ${ft:-?} features, exit $rc, corpus $(ls "build/fuzz/corpus/$h" | wc -l) files"
      [ "$rc" -eq 0 ] || { fail=1; tail -40 "build/fuzz/$h-long.log"; }
    done
    [ "$fail" -eq 0 ]
    ;;
  *)
    echo "usage: $0 test | long SECONDS" >&2
    exit 2
    ;;
esac
