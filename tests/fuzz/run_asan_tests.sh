#!/usr/bin/env bash
# The main build's sanitizer test: builds host_asan_unit_tests in the standalone fuzz project with
# clang (ASan + UBSan, see host_asan_tests.cmake) into BUILD_DIR and runs it; any sanitizer report
# fails the test (UBSan does not recover, ASan stops at its first error, leaks are reported at exit).
# Exit 77 (CTest SKIP_RETURN_CODE) when no suitable clang++ is here, as run_fuzzers.sh does.
# Usage: run_asan_tests.sh CMAKE SOURCE_DIR BUILD_DIR
set -euo pipefail
cmake_bin=$1 src=$2 build=$3
here=$(dirname "$0")
# shellcheck source=find_fuzz_clang.sh
. "$here/find_fuzz_clang.sh"
find_fuzz_clang "$build" || exit 77

echo "== building host_asan_unit_tests with $cxx"
"$cmake_bin" -S "$src" -B "$build/tree" -DCMAKE_CXX_COMPILER="$cxx" >"$build/configure.log" ||
  { cat "$build/configure.log"; exit 1; }
"$cmake_bin" --build "$build/tree" -j2 --target host_asan_unit_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  exec "$build/tree/host_asan_unit_tests"
