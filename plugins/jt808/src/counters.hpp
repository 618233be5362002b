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

  std::string summary() const {
    return "frames=" + std::to_string(frames) + " published=" + std::to_string(published) +
           " garbage_bytes=" + std::to_string(garbage_bytes) + " bad_escape=" + std::to_string(bad_escape) +
           " bad_check=" + std::to_string(bad_check) + " too_short=" + std::to_string(too_short) +
           " truncated=" + std::to_string(truncated) + " length_mismatch=" + std::to_string(length_mismatch) +
           " bad_body=" + std::to_string(bad_body) + " unsupported=" + std::to_string(unsupported) +
           " foreign_phone=" + std::to_string(foreign_phone) + " packages=" + std::to_string(packages) +
           " reassembled=" + std::to_string(reassembled) + " package_dropped=" + std::to_string(package_dropped) +
           " bad_downlink=" + std::to_string(bad_downlink) + " failed_calls=" + std::to_string(failed_calls);
  }
};

}  // namespace jt808
