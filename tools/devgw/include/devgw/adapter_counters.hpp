// Counts of ConnectionAdapter calls, kept even when Options::keep_records is off, so a test (or
// the control line `STATS`) can see calls that arrived but are still held by a delay or a stall.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace exproto::devgw {

struct AdapterCounters {
  /// Calls that reached the ConnectionAdapter server, by method ("Send", "Authenticate", …),
  /// counted on arrival: before any delay or stall.
  std::map<std::string, std::uint64_t> received;
  /// Calls carried out and answered (whatever the result code), by method.
  std::map<std::string, std::uint64_t> answered;
  /// Received Sends with empty `bytes` (the liveness probe of observed item 1).
  std::uint64_t zero_length_sends = 0;
  /// Held calls whose client gave up (deadline, cancel) before their turn: not carried out.
  std::uint64_t cancelled = 0;
  /// Held calls answered UNAVAILABLE without effect because the gateway stopped or crashed.
  std::uint64_t abandoned = 0;

  std::uint64_t total_received() const { return sum(received); }
  std::uint64_t total_answered() const { return sum(answered); }
  /// Received but not answered yet: delayed, stalled, or on their way to the I/O thread.
  std::uint64_t held() const { return total_received() - total_answered() - cancelled - abandoned; }

 private:
  static std::uint64_t sum(const std::map<std::string, std::uint64_t>& by_method) {
    std::uint64_t n = 0;
    for (const auto& [method, count] : by_method) n += count;
    return n;
  }
};

}  // namespace exproto::devgw
