#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-16, ASan + UBSan) into build-fuzz/ and runs each for the given
# seconds (default 60), seeded from build-fuzz/corpus/<target>/ (generated from ../shared, then kept
# and grown between runs). Exits non-zero if any fuzzer found a crash, timeout or out-of-memory;
# the inputs are then in build-fuzz/crashes/<target>/ (see README.md, "Fuzzing").
# Usage: scripts/fuzz.sh [seconds-per-target] [target ...]   targets: weight_file onnx_bytes onnx_edits session
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(weight_file onnx_bytes onnx_edits session)

build=build-fuzz
# Not NDEBUG: protobuf's own index checks stay on. -O2: every session input runs the network.
CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -DMATTE_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O2 -g" >/dev/null
echo "building $build/ (log: $build/build.log)"
cmake --build "$build" -j"$(nproc)" --target make_seeds "${targets[@]/#/fuzz_}" >"$build/build.log" 2>&1 ||
  { tail -n 30 "$build/build.log"; exit 1; }

if [[ ! -d $build/corpus ]]; then
  "$build/bin/make_seeds" "$build/corpus.new"
  mv "$build/corpus.new" "$build/corpus"
fi

# Per target: seconds a single input may take, the largest input, and more options.
declare -A timeout=([weight_file]=5 [onnx_bytes]=10 [onnx_edits]=20 [session]=30)
declare -A max_len=([weight_file]=65536 [onnx_bytes]=262144 [onnx_edits]=512 [session]=65536)
# Structured inputs mean something at any length: no slow growth from tiny inputs.
declare -A len_control=([weight_file]=100 [onnx_bytes]=100 [onnx_edits]=0 [session]=0)

failed=()
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/crashes/$t" "$build/logs"
  log=$build/logs/$t.log
  echo "fuzz_$t: ${seconds} s (log: $log)"
  # -rss_limit_mb also caps a single allocation: a hostile size costing gigabytes is a finding.
  if ! "$build/bin/fuzz_$t" "$build/corpus/$t" -max_total_time="$seconds" -timeout="${timeout[$t]}" \
      -max_len="${max_len[$t]}" -len_control="${len_control[$t]}" -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$build/crashes/$t/" >"$log" 2>&1; then
    failed+=("$t")
  fi
  grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -n 1 || true
  grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 3 || true
done

if ((${#failed[@]})); then
  echo "fuzzers that found a problem: ${failed[*]}"
  for t in "${failed[@]}"; do ls "$build/crashes/$t"; done
  echo "reproduce: $build/bin/fuzz_TARGET FILE; once fixed, keep it: cp FILE tests/fuzz/regressions/TARGET/NAME"
  echo "(ctest -R 'fuzz regressions' replays them in the ordinary build)"
  exit 1
fi
echo "no fuzzer found a problem"
