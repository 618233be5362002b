#include "host/listener/close_reason.h"

#include <string.h>

#include <algorithm>
#include <cctype>

namespace exproto::host::close_reason {

std::string socket_error(const boost::system::error_code& ec) {
  std::string name;
  if (ec.category() == boost::system::system_category() || ec.category() == boost::system::generic_category()) {
    if (const char* n = ::strerrorname_np(ec.value())) name = n;  // "ECONNRESET"
  }
  if (name.empty()) {
    // Not an errno (an SSL or Asio error): a readable word, still one Erlang-like atom.
    name = ec.category().name() + std::string("_") + std::to_string(ec.value());
  }
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return "{shutdown," + name + "}";
}

}  // namespace exproto::host::close_reason
