#!/usr/bin/env bash
# Runs the libFuzzer targets for the given seconds each (default 60), as many at once as there are
# cores, seeded from BUILD/corpus/<target>/ (generated from ../shared, then kept and grown between
# runs) and from tests/fuzz/regressions/<target>/ (every past finding, so each is replayed under
# the sanitizers first). Exits non-zero if any fuzzer found a crash, timeout or out-of-memory; the
# inputs are then in BUILD/crashes/<target>/ (see README.md, "Fuzzing").
# Usage: scripts/fuzz.sh [--build DIR] [seconds-per-target] [target ...]
#   targets: weight_file onnx_bytes onnx_edits session
#   --build DIR  an existing -DMATTE_FUZZ=ON build (e.g. build-sanitize from scripts/sanitize.sh);
#                default: build-fuzz/, configured here (-O2, the vector kernels not sanitized).
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-fuzz
if [[ ${1:-} == --build ]]; then
  build=${2:?--build needs a folder}
  shift 2
fi
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(weight_file onnx_bytes onnx_edits session)

if [[ $build == build-fuzz ]]; then
  # Not NDEBUG: protobuf's own index checks stay on. -O2: every session input runs the network.
  CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -DMATTE_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_FLAGS_DEBUG="-O2 -g" >/dev/null
fi
grep -q '^MATTE_FUZZ:BOOL=ON' "$build/CMakeCache.txt" || { echo "$build is not a -DMATTE_FUZZ=ON build"; exit 1; }
echo "building the fuzz targets in $build/ (log: $build/fuzz-build.log)"
cmake --build "$build" -j"$(nproc)" --target make_seeds "${targets[@]/#/fuzz_}" >"$build/fuzz-build.log" 2>&1 ||
  { tail -n 30 "$build/fuzz-build.log"; exit 1; }

if [[ ! -d $build/corpus ]]; then
  "$build/bin/make_seeds" "$build/corpus.new"
  mv "$build/corpus.new" "$build/corpus"
fi

# Per target: seconds a single input may take, the largest input, and more options.
declare -A timeout=([weight_file]=5 [onnx_bytes]=10 [onnx_edits]=20 [session]=30)
declare -A max_len=([weight_file]=65536 [onnx_bytes]=262144 [onnx_edits]=512 [session]=65536)
# Structured inputs mean something at any length: no slow growth from tiny inputs.
declare -A len_control=([weight_file]=100 [onnx_bytes]=100 [onnx_edits]=0 [session]=0)

# One target; its status is its exit code.
fuzz_one() {
  local t=$1 log=$build/logs/$1.log
  mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"
  # -rss_limit_mb also caps a single allocation: a hostile size costing gigabytes is a finding.
  "$build/bin/fuzz_$t" "$build/corpus/$t" "tests/fuzz/regressions/$t" -max_total_time="$seconds" \
    -timeout="${timeout[$t]}" -max_len="${max_len[$t]}" -len_control="${len_control[$t]}" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/crashes/$t/" >"$log" 2>&1
}

echo "fuzzing ${targets[*]}: ${seconds} s each, $(nproc) at a time (logs: $build/logs/)"
failed=()
for ((i = 0; i < ${#targets[@]}; i += $(nproc))); do
  batch=("${targets[@]:i:$(nproc)}")
  pids=()
  for t in "${batch[@]}"; do fuzz_one "$t" & pids+=($!); done
  for k in "${!batch[@]}"; do
    t=${batch[k]}
    wait "${pids[k]}" || failed+=("$t")
    echo "fuzz_$t: $(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$build/logs/$t.log" | tail -n 1 || true)"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$build/logs/$t.log" | head -n 3 || true
  done
done

if ((${#failed[@]})); then
  echo "fuzzers that found a problem: ${failed[*]}"
  for t in "${failed[@]}"; do ls "$build/crashes/$t"; done
  echo "reproduce: $build/bin/fuzz_TARGET FILE; once fixed, keep it: cp FILE tests/fuzz/regressions/TARGET/NAME"
  echo "(ctest -R 'fuzz regressions' replays them in the ordinary build)"
  exit 1
fi
echo "no fuzzer found a problem"
