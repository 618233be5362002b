#include "reply_frame.h"

#include <cctype>

namespace exproto::bench {
namespace {

// Value of the integer member `key` ("\"type\"" etc.), searching from the start.
std::optional<int> int_member(std::string_view bytes, std::string_view key) {
  for (std::size_t at = bytes.find(key); at != std::string_view::npos; at = bytes.find(key, at + 1)) {
    std::size_t i = at + key.size();
    while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
    if (i >= bytes.size() || bytes[i] != ':') continue;  // the text was a value, not a key
    ++i;
    while (i < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[i]))) ++i;
    bool negative = i < bytes.size() && bytes[i] == '-';
    if (negative) ++i;
    if (i >= bytes.size() || !std::isdigit(static_cast<unsigned char>(bytes[i]))) return std::nullopt;
    int value = 0;
    while (i < bytes.size() && std::isdigit(static_cast<unsigned char>(bytes[i])) && value < 100000) {
      value = value * 10 + (bytes[i] - '0');
      ++i;
    }
    return negative ? -value : value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ReplyFrame> scan_reply_frame(std::string_view bytes) {
  auto type = int_member(bytes, "\"type\"");
  if (!type) return std::nullopt;
  return ReplyFrame{*type, int_member(bytes, "\"code\"").value_or(0)};
}

}  // namespace exproto::bench
