#include "malloc_tuning.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <string_view>

namespace codec_check {

void exec_without_malloc_caches(char** argv) {
  constexpr std::string_view kTunable = "glibc.malloc.tcache_count=0";
  const char* current = std::getenv("GLIBC_TUNABLES");
  if (current != nullptr && std::string_view(current).find(kTunable) != std::string_view::npos) return;
  std::string value = current != nullptr && *current != '\0' ? std::string(current) + ":" : std::string();
  value += kTunable;
  ::setenv("GLIBC_TUNABLES", value.c_str(), 1);
  ::execv("/proc/self/exe", argv);
}

}  // namespace codec_check
