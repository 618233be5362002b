// The route's "config" object for the line codec, validated once when the codec is created.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace line {

struct Config {
  std::uint32_t keepalive_s = 0;       // 0: no keepalive is started after CONNECT
  std::size_t max_line_bytes = 4096;   // longer lines are answered with ERROR and closed
  std::uint32_t default_qos = 0;       // QoS of PUB, and of SUB without an explicit QoS
};

/// Parses the config JSON text; empty text or `null` mean "all defaults".
/// Throws exproto::Error with a message naming the bad key or value.
Config parse_config(std::string_view json_text);

}  // namespace line
