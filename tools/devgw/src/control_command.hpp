// The text commands of the control port and of the executable's stdin, one per line; the
// keyword is case-insensitive. Each is answered with one line, "OK…" or "ERR <why>".
//   PUB <topic> <payload>   publish into the broker as an outside client
//   DELAY <ms>              delay ConnectionAdapter answers (0 = none)
//   STALL / RESUME          hold every ConnectionAdapter answer / let them go
//   LOSE_CLOSED on|off      end conns without sending OnSocketClosed
//   STATS                   "OK live=… held=… received.Send=… …" (see format_stats)
#pragma once

#include "devgw/adapter_counters.hpp"

#include <chrono>
#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <variant>

namespace exproto::devgw {

struct PublishCommand {
  std::string topic;
  std::string payload;
};
struct DelayCommand {
  std::chrono::milliseconds delay;
};
struct StallCommand {
  bool stalled;  ///< STALL = true, RESUME = false
};
struct LoseClosedCommand {
  bool lose;
};
struct StatsCommand {};

using ControlCommand = std::variant<PublishCommand, DelayCommand, StallCommand, LoseClosedCommand, StatsCommand>;

/// Any control line; the error says what was expected.
std::expected<ControlCommand, std::string> parse_control_command(std::string_view line);
/// Only "PUB <topic> <payload>" (the payload is the rest of the line and may be empty or hold
/// spaces; the topic must not hold wildcards).
std::expected<PublishCommand, std::string> parse_publish_command(std::string_view line);

/// What the gateway reports for STATS.
struct GatewayStats {
  std::size_t live = 0;
  std::chrono::milliseconds delay{0};
  bool stalled = false;
  bool lose_socket_closed = false;
  AdapterCounters adapter;
};
/// "OK live=2 held=0 delay_ms=0 stalled=0 lose_closed=0 zero_length_sends=1 cancelled=0
/// abandoned=0 received.Send=3 answered.Send=3 …": space-separated key=value, so a script can
/// split it without knowing every method name.
std::string format_stats(const GatewayStats& stats);

}  // namespace exproto::devgw
