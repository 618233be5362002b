// Text from outside (a codec's name, a config key) quoted in an error or log line: control bytes
// become \xNN so the quote cannot end the line early and forge the next one.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace exproto::host {

inline std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0x20 && b != 0x7f) {
      out.push_back(c);  // UTF-8 stays as it is: only control bytes can break a line
      continue;
    }
    char hex[5];
    std::snprintf(hex, sizeof hex, "\\x%02x", b);
    out += hex;
  }
  return out;
}

}  // namespace exproto::host
