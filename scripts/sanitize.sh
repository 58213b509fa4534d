#!/usr/bin/env bash
# Builds the tree with AddressSanitizer + UndefinedBehaviorSanitizer at -O1 (clang-16, no bench/)
# into build-sanitize/ and runs the test suite there; any sanitizer report fails its test. The
# tests' own time limits are stretched 4x. The same build holds the libFuzzer targets, so
# `scripts/fuzz.sh --build build-sanitize` can run them without a second build.
# Usage: scripts/sanitize.sh [--ci] [ctest arguments, e.g. -R matte_tests]
#   --ci  the subset CI runs: without the tests matching $ci_skip below. Those compare with ONNX
#         Runtime at full resolution or run every combination of results, minutes each under ASan,
#         or are the batch's two heaviest cases (8 and 5 runs of `matte` over six clips, 1080p
#         among them); the same code paths run in the other tests on smaller frames or fewer clips.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize
ci_skip='ONNX Runtime|every subset of the results|matte-eval: scores|matte batch: (two shards|a shard killed)'

ctest_args=()
if [[ ${1:-} == --ci ]]; then
  ctest_args=(-E "$ci_skip")
  shift
fi

start=$SECONDS
CC=clang-16 CXX=clang++-16 cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
  -DMATTE_SANITIZE=ON -DMATTE_FUZZ=ON -DMATTE_BENCH=OFF -DMATTE_TEST_TIME_SCALE=4 >/dev/null
cmake --build "$build" -j"$(nproc)"
echo "sanitizer build: $((SECONDS - start)) s"

# Inherited by every child: the instrumented `matte` the tests start, and Node (the ONNX Runtime
# reference), which is not instrumented and ignores them. No LD_PRELOAD: the runtimes are linked in.
# A symboliser found by absolute path: the tests start children with a minimal environment.
symbolizer=$(command -v llvm-symbolizer-16 llvm-symbolizer | head -n 1 || true)
symbolize=${symbolizer:+external_symbolizer_path=$symbolizer}
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=0:${symbolize:-symbolize=0}
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
start=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "${ctest_args[@]}" "$@" || status=$?
echo "sanitizer tests: $((SECONDS - start)) s"
exit $status
