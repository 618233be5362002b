// A failed invariant in a host fuzzer: print what broke and abort, which libFuzzer reports as a
// crash with the input saved as the reproducer.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace exproto::host::fuzz {

[[noreturn]] inline void broken(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "INVARIANT BROKEN: %.*s %.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

inline void require(bool ok, std::string_view what, std::string_view detail = {}) {
  if (!ok) broken(what, detail);
}

}  // namespace exproto::host::fuzz
