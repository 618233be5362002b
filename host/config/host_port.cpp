#include "host/config/host_port.h"

#include <charconv>

namespace exproto::host {

bool is_host_port(std::string_view address, uint32_t min_port) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string_view host = address.substr(0, colon);
  const std::string_view port = address.substr(colon + 1);

  if (host.front() == '[') {
    // A bracketed IPv6 literal; its own colons are why the port is split at the last one.
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false;  // an unbracketed IPv6 literal is ambiguous
  }
  for (char c : host) {
    if (c == ' ' || c == '/' || c == '[' || c == ']') return false;
  }

  uint32_t value = 0;
  if (port.empty() || port.size() > 5) return false;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  return ec == std::errc{} && end == port.data() + port.size() && value >= min_port && value <= 65535;
}

}  // namespace exproto::host
