// parse_config on arbitrary text: it must return (never crash, throw or hang), and an error must be
// one line "<key path>: <problem>", since operators read it in a journal where a newline in it
// would forge a second line.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.h"
#include "host/config/config.h"

using exproto::host::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // TLS keys name files the parser reads; device files that never end (/dev/zero) or block
  // (/dev/stdin) would only measure the machine, so inputs naming them are not explored.
  if (text.find("/dev") != std::string_view::npos || text.find("/proc") != std::string_view::npos) return -1;
  const auto config = exproto::host::parse_config(text);
  if (config) return 0;
  const std::string& error = config.error();
  require(!error.empty(), "config error is empty");
  require(error.find_first_of("\n\r") == std::string::npos, "config error spans lines:", error);
  const auto colon = error.find(": ");
  require(colon != std::string::npos && colon > 0, "config error lacks \"<key path>: \":", error);
  require(colon + 2 < error.size(), "config error names no problem:", error);
  return 0;
}
