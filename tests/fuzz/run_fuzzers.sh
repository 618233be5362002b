#!/usr/bin/env bash
# The main build's fuzz tests: builds the standalone fuzz project (this folder) with clang into
# BUILD_DIR, then runs the named fuzzers for SECONDS each, two at a time (CI has two cores), each
# on an empty scratch corpus plus its seed folders (libFuzzer writes new inputs only into the
# first folder it is given, so the seeds stay untouched).
# Exit 77 (CTest SKIP_RETURN_CODE) when no clang++ here can link -fsanitize=fuzzer and offers
# std::expected (the host's sources need clang >= 16 with libstdc++ 12).
# Usage: run_fuzzers.sh CMAKE SOURCE_DIR BUILD_DIR SECONDS TARGET=SEEDS[:SEEDS...]...
set -euo pipefail
cmake_bin=$1 src=$2 build=$3 seconds=$4
shift 4

. "$(dirname "$0")/find_fuzz_clang.sh"
find_fuzz_clang "$build" || exit 77

names=() seeds=()
for spec in "$@"; do
  names+=("${spec%%=*}") seeds+=("${spec#*=}")
done
echo "== building ${names[*]} with $cxx"
"$cmake_bin" -S "$src" -B "$build/tree" -DCMAKE_CXX_COMPILER="$cxx" >"$build/configure.log" ||
  { cat "$build/configure.log"; exit 1; }
"$cmake_bin" --build "$build/tree" -j2 --target "${names[@]}"

status=0
# Runs fuzzer $1 in the background; its pid goes to $pid.
start() {
  local i=$1 name=${names[$1]} scratch="$build/corpus-${names[$1]}" dirs=()
  rm -rf "$scratch" && mkdir -p "$scratch"
  IFS=: read -r -a dirs <<<"${seeds[$i]}"
  "$build/tree/$name" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/crash-$name-" "$scratch" "${dirs[@]}" >"$build/$name.log" 2>&1 &
  pid=$!
}
report() {
  local name=$1 ok=$2
  if [ "$ok" -eq 0 ]; then
    echo "== $name: no finding"; grep -E "^#[0-9]+.*DONE|stat::average_exec_per_sec" "$build/$name.log" || true
  else
    status=1
    echo "== $name FAILED (reproducer: $build/crash-$name-*)"; tail -n 80 "$build/$name.log"
  fi
}
for ((i = 0; i < ${#names[@]}; i += 2)); do
  start "$i"; first=$pid
  second=""
  if ((i + 1 < ${#names[@]})); then start $((i + 1)); second=$pid; fi
  ok=0; wait "$first" || ok=$?; report "${names[$i]}" "$ok"
  if [ -n "$second" ]; then ok=0; wait "$second" || ok=$?; report "${names[$((i + 1))]}" "$ok"; fi
done
exit $status
