#!/usr/bin/env bash
# Runs every test layer, keeps going after a failure, and ends with one count per layer and a
# total line ("N passed, N failed"). Exit status is non-zero if any layer failed.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
declare -A passed failed
layers=(cpp asan fuzz python js e2e perf)

count() {  # layer, log: extract the runner's own totals
  local layer=$1 log=$2 p=0 f=0
  case $layer in
    cpp|asan) p=$(grep -oP '(?<=\[  PASSED  \] )\d+' "$log" | tail -1); f=$(grep -oP '(?<=\[  FAILED  \] )\d+(?= test)' "$log" | tail -1) ;;
    python|perf) p=$(grep -oP '\d+(?= passed)' "$log" | tail -1); f=$(grep -oP '\d+(?= failed)' "$log" | tail -1) ;;
    js|e2e|fuzz) # summed: test-js runs its suite once per Node configuration
      p=$(grep -oP '(?<=^# pass )\d+' "$log" | awk '{s += $1} END {print s + 0}')
      f=$(grep -oP '(?<=^# fail )\d+' "$log" | awk '{s += $1} END {print s + 0}') ;;
  esac
  passed[$layer]=${p:-0}
  failed[$layer]=${f:-0}
}

status=0
for layer in "${layers[@]}"; do
  echo "=== test-$layer"
  make --no-print-directory "test-$layer" 2>&1 | tee "$logs/$layer.log"
  rc=${PIPESTATUS[0]}
  count "$layer" "$logs/$layer.log"
  if [ "$rc" -ne 0 ]; then
    status=1
    [ "${failed[$layer]}" -gt 0 ] || failed[$layer]=1  # a layer that failed to run counts as a failure
  fi
done

echo
echo "=== summary"
total_p=0 total_f=0
for layer in "${layers[@]}"; do
  printf '%-8s %5d passed, %d failed\n' "$layer" "${passed[$layer]}" "${failed[$layer]}"
  total_p=$((total_p + passed[$layer])); total_f=$((total_f + failed[$layer]))
done
echo "total: $total_p passed, $total_f failed"
rm -rf "$logs"
exit $status
