#!/usr/bin/env bash
# The main build's fuzz test: builds the standalone fuzz project (this folder) with clang into
# BUILD_DIR, then runs both jt808 fuzzers at once for SECONDS each on scratch copies of the seed
# corpus (libFuzzer writes new inputs into its first corpus folder; the seeds stay untouched).
# Exit 77 (CTest SKIP_RETURN_CODE) when no clang++ here can link -fsanitize=fuzzer.
# Usage: run_fuzzers.sh CMAKE SOURCE_DIR BUILD_DIR CORPUS_DIR SECONDS
set -euo pipefail
cmake_bin=$1 src=$2 build=$3 corpus=$4 seconds=$5

cxx=""
for c in clang++-14 clang++; do
  if command -v "$c" >/dev/null; then cxx=$(command -v "$c"); break; fi
done
if [ -z "$cxx" ]; then
  echo "SKIPPED: no clang++-14 or clang++ (install clang-14 and libclang-rt-14-dev)"
  exit 77
fi
mkdir -p "$build"
probe="$build/probe"
if ! printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' |
    "$cxx" -x c++ -fsanitize=fuzzer,address,undefined -o "$probe" - 2>"$build/probe.log"; then
  cat "$build/probe.log"
  echo "SKIPPED: $cxx cannot link -fsanitize=fuzzer,address,undefined (install libclang-rt-14-dev)"
  exit 77
fi

echo "== building the fuzzers with $cxx"
"$cmake_bin" -S "$src" -B "$build/tree" -DCMAKE_CXX_COMPILER="$cxx" >"$build/configure.log" ||
  { cat "$build/configure.log"; exit 1; }
"$cmake_bin" --build "$build/tree" -j2 --target jt808_fuzz_frame jt808_fuzz_session

pids=()
for name in frame session; do
  scratch="$build/corpus-$name"
  rm -rf "$scratch"
  cp -r "$corpus/$name" "$scratch"
  "$build/tree/jt808_fuzz_$name" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/crash-$name-" "$scratch" >"$build/$name.log" 2>&1 &
  pids+=($!)
done
status=0
for i in 0 1; do
  name=$([ "$i" -eq 0 ] && echo frame || echo session)
  if wait "${pids[$i]}"; then
    echo "== jt808_fuzz_$name: no finding"; tail -n 12 "$build/$name.log"
  else
    status=1
    echo "== jt808_fuzz_$name FAILED (reproducer: $build/crash-$name-*)"; tail -n 80 "$build/$name.log"
  fi
done
exit $status
