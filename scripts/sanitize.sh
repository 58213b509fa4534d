#!/usr/bin/env bash
# Builds the tree with AddressSanitizer + UndefinedBehaviorSanitizer at -O1 into build-sanitize/
# (no bench/) and runs the whole test suite there; extra arguments go to ctest (e.g. -R matte_tests).
# The tests' own time limits are stretched 4x; any sanitizer report fails its test.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build-sanitize

start=$SECONDS
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" \
      -DMATTE_SANITIZE=ON -DMATTE_BENCH=OFF -DMATTE_TEST_TIME_SCALE=4
cmake --build "$build" -j"$(nproc)"
echo "sanitizer build: $((SECONDS - start)) s"

# Inherited by every child: the instrumented `matte` the tests start, and Node (the ONNX Runtime
# reference), which is not instrumented and ignores them. No LD_PRELOAD: the runtimes are linked in.
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@" || status=$?
echo "sanitizer tests: $((SECONDS - start)) s"
exit $status
