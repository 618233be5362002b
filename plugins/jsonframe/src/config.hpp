// The route's "config" object for jsonframe, validated once when the codec instance is created.
#pragma once

#include <cstddef>
#include <string_view>

namespace jsonframe {

struct Config {
  // The EMQX echo protocol has no length prefix, so a device that never closes its object could
  // make us buffer forever; this is the bound.
  std::size_t max_frame_bytes = 1024 * 1024;
};

inline constexpr std::size_t kMinFrameBytes = 16;
inline constexpr std::size_t kMaxFrameBytes = 64 * 1024 * 1024;

/// Parses the config JSON text; empty text or `null` mean "all defaults".
/// Throws exproto::Error with a message naming the bad key or value.
Config parse_config(std::string_view json_text);

}  // namespace jsonframe
