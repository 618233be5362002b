// The 0x7e-delimited frame layer: a streaming receiver that yields unescaped, check-verified frame
// contents (header + body), and the sender side (check code, escaping, flags).
//
// The receiver is a byte state machine {hunting, in frame, after 0x7d, discarding}: it keeps
// partial frames across socket reads (an escape split between reads is handled), treats a 0x7e
// that arrives with an empty buffer as a start flag (so "7e7e" and shared flags "7e A 7e B 7e"
// work), drops only the bad frame and resynchronises on the next 0x7e.
#pragma once

#include "wire.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace jt808 {

/// Why a frame was dropped by the receiver.
enum class FrameFault { bad_escape, bad_check, too_short };

class FrameReceiver {
 public:
  /// `max_frame_bytes`: the largest unescaped frame content (header + body + check) accepted.
  explicit FrameReceiver(std::size_t max_frame_bytes) : max_(max_frame_bytes) {}

  struct Sink {
    std::function<void(std::span<const std::uint8_t>)> frame;  // header + body, check removed
    std::function<void(FrameFault)> fault;
    std::function<void(std::size_t)> garbage;  // bytes skipped outside any frame
  };

  /// Feeds bytes; calls the sink for every complete frame or dropped frame, in order. Returns
  /// false when a frame grew past the limit (the caller closes the connection; the receiver is
  /// then reset and may be fed again). Sink callbacks may stop early by calling stop().
  bool feed(std::span<const std::uint8_t> data, const Sink& sink);

  /// Makes feed() return after the current callback (the remaining bytes are not consumed).
  void stop() { stopped_ = true; }
  /// Bytes of the frame being accumulated.
  std::size_t buffered() const { return buf_.size(); }
  /// Hot reload (session_migration.cpp): this part of a session's state, and back. restore()
  /// expects a fresh object and throws on a state it cannot read.
  nlohmann::json snapshot() const;
  void restore(const nlohmann::json& state);

 private:
  enum class State { hunting, in_frame, escape, discarding };
  void finish(const Sink& sink);

  std::size_t max_;
  State state_ = State::hunting;
  Bytes buf_;
  bool stopped_ = false;
};

/// XOR of all bytes.
std::uint8_t check_code(std::span<const std::uint8_t> data);
/// 0x7e + escaped(content + check) + 0x7e.
Bytes frame_bytes(std::span<const std::uint8_t> content);

}  // namespace jt808
