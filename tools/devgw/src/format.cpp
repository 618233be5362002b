#include "format.hpp"

#include <array>
#include <fmt/format.h>

namespace exproto::devgw {

std::string quote_payload(std::string_view bytes) {
  constexpr std::size_t kMax = 200;
  std::string out = "\"";
  for (std::size_t i = 0; i < bytes.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  out.push_back('"');
  if (bytes.size() > kMax) out += fmt::format("…(+{} bytes)", bytes.size() - kMax);
  return out;
}

std::string erlang_binary(std::string_view bytes) {
  bool printable = true;
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f) printable = false;
  }
  std::string out = "<<";
  if (printable) {
    out.push_back('"');
    for (const char c : bytes) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      if (i) out.push_back(',');
      out += std::to_string(static_cast<unsigned char>(bytes[i]));
    }
  }
  return out + ">>";
}

std::string_view grpc_codename(int code) {
  static constexpr std::array<std::string_view, 17> names = {
      "ok",        "cancelled",         "unknown",   "invalid_argument", "deadline_exceeded", "not_found",
      "already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted",
      "out_of_range", "unimplemented",   "internal",  "unavailable",      "data_loss",         "unauthenticated"};
  if (code < 0 || code >= static_cast<int>(names.size())) return "unknown";
  return names[static_cast<std::size_t>(code)];
}

}  // namespace exproto::devgw
