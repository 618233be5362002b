// Per-connection counters of what arrived and what was done with it; logged when the connection
// closes (and readable by tests through that log line).
#pragma once

#include <cstdint>
#include <string>

namespace jt808 {

struct Counters {
  std::uint64_t frames = 0;            // verified frames with a valid header
  std::uint64_t published = 0;         // uplinks published
  std::uint64_t garbage_bytes = 0;     // bytes outside any frame
  std::uint64_t bad_escape = 0;        // 0x7d followed by something else than 0x01/0x02
  std::uint64_t bad_check = 0;         // check code mismatch
  std::uint64_t too_short = 0;         // frame shorter than any header
  std::uint64_t truncated = 0;         // body shorter than its length field (or header cut)
  std::uint64_t length_mismatch = 0;   // body longer than its length field
  std::uint64_t bad_body = 0;          // body does not match its message id
  std::uint64_t unsupported = 0;       // frame not allowed in the current state (before auth)
  std::uint64_t foreign_phone = 0;     // frame from another phone than the authenticated one
  std::uint64_t packages = 0;          // sub-packages received
  std::uint64_t reassembled = 0;       // messages completed from packages
  std::uint64_t package_dropped = 0;   // invalid, over limit or expired packages
  std::uint64_t bad_downlink = 0;      // delivered payloads that could not be encoded
  std::uint64_t failed_calls = 0;      // publish/subscribe results other than SUCCESS

  /// Calls f(name, counter) for every counter of `self` (const or not), in the summary's order.
  template <class Self, class F>
  static void each(Self& self, F&& f) {
    f("frames", self.frames), f("published", self.published), f("garbage_bytes", self.garbage_bytes);
    f("bad_escape", self.bad_escape), f("bad_check", self.bad_check), f("too_short", self.too_short);
    f("truncated", self.truncated), f("length_mismatch", self.length_mismatch), f("bad_body", self.bad_body);
    f("unsupported", self.unsupported), f("foreign_phone", self.foreign_phone), f("packages", self.packages);
    f("reassembled", self.reassembled), f("package_dropped", self.package_dropped);
    f("bad_downlink", self.bad_downlink), f("failed_calls", self.failed_calls);
  }

  std::string summary() const {
    std::string out;
    each(*this, [&out](const char* name, std::uint64_t value) {
      out += (out.empty() ? "" : " ") + std::string(name) + "=" + std::to_string(value);
    });
    return out;
  }
};

}  // namespace jt808
