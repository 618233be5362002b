// The rule for codec names, shared by the loader (descriptor names) and the config (route codecs),
// so that a route can only name something a codec is allowed to be called.
#pragma once

#include <string_view>

namespace exproto::host {

inline constexpr std::size_t kMaxCodecNameLength = 64;

// True for [a-z0-9_-]{1,64}.
constexpr bool is_valid_codec_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxCodecNameLength) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace exproto::host
