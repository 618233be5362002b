# Sourced by run_fuzzers.sh and run_asan_tests.sh. find_fuzz_clang BUILD_DIR sets $cxx to the
# first clang++ here that links -fsanitize=fuzzer,address,undefined and offers std::expected (the
# host's sources need clang >= 16 with libstdc++ 12); otherwise prints why and returns 1.
find_fuzz_clang() {
  local build=$1 probe="$1/probe" c
  mkdir -p "$build"
  cxx=""
  for c in clang++-16 clang++-17 clang++-18 clang++-19 clang++; do
    command -v "$c" >/dev/null || continue
    if printf '%s\n' '#include <cstddef>' '#include <cstdint>' '#include <expected>' \
        'std::expected<int, int> f() { return 1; }' \
        'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return *f() - 1; }' |
        "$c" -x c++ -std=c++2b -Wno-builtin-macro-redefined -U__cpp_concepts -D__cpp_concepts=202002L \
          -fsanitize=fuzzer,address,undefined -o "$probe" - 2>"$build/probe.log"; then
      cxx=$(command -v "$c"); return 0
    fi
  done
  cat "$build/probe.log" 2>/dev/null || true
  echo "SKIPPED: no clang++ (>= 16) here links -fsanitize=fuzzer,address,undefined with std::expected" \
       "(install clang-16 and libclang-rt-16-dev)"
  return 1
}
