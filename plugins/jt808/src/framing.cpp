#include "framing.hpp"

namespace jt808 {
namespace {
constexpr std::uint8_t kFlag = 0x7e;
constexpr std::uint8_t kEscape = 0x7d;
// Shortest frame content: a 2013 header (12 bytes) and the check byte.
constexpr std::size_t kMinContent = 13;
}  // namespace

bool FrameReceiver::feed(std::span<const std::uint8_t> data, const Sink& sink) {
  stopped_ = false;
  std::size_t skipped = 0;
  for (const auto b : data) {
    if (stopped_) break;
    switch (state_) {
      case State::hunting:
        if (b == kFlag) {
          if (skipped > 0 && sink.garbage) sink.garbage(skipped);
          skipped = 0;
          state_ = State::in_frame;
        } else {
          ++skipped;
        }
        continue;
      case State::discarding:
        // A broken frame ends at the next flag, which also starts the next frame.
        if (b == kFlag) state_ = State::in_frame;
        continue;
      case State::escape:
        if (b == 0x01 || b == 0x02) {
          buf_.push_back(b == 0x01 ? kEscape : kFlag);
          state_ = State::in_frame;
        } else {
          buf_.clear();
          if (sink.fault) sink.fault(FrameFault::bad_escape);
          state_ = b == kFlag ? State::in_frame : State::discarding;
          continue;
        }
        break;
      case State::in_frame:
        if (b == kFlag) {
          if (!buf_.empty()) finish(sink);  // an empty buffer: this flag starts the frame
          continue;
        }
        if (b == kEscape) {
          state_ = State::escape;
          continue;
        }
        buf_.push_back(b);
        break;
    }
    if (buf_.size() > max_) {
      buf_.clear();
      state_ = State::hunting;
      return false;
    }
  }
  if (skipped > 0 && sink.garbage) sink.garbage(skipped);
  return true;
}

void FrameReceiver::finish(const Sink& sink) {
  Bytes content;
  content.swap(buf_);
  if (content.size() < kMinContent) {
    if (sink.fault) sink.fault(FrameFault::too_short);
    return;
  }
  const auto body = std::span<const std::uint8_t>(content).first(content.size() - 1);
  if (check_code(body) != content.back()) {
    if (sink.fault) sink.fault(FrameFault::bad_check);
    return;
  }
  if (sink.frame) sink.frame(body);
}

std::uint8_t check_code(std::span<const std::uint8_t> data) {
  std::uint8_t x = 0;
  for (const auto b : data) x ^= b;
  return x;
}

Bytes frame_bytes(std::span<const std::uint8_t> content) {
  Bytes out;
  out.reserve(content.size() + content.size() / 8 + 4);
  const auto put = [&out](std::uint8_t b) {
    if (b == kFlag || b == kEscape) {
      out.push_back(kEscape);
      out.push_back(b == kFlag ? 0x02 : 0x01);
    } else {
      out.push_back(b);
    }
  };
  out.push_back(kFlag);
  for (const auto b : content) put(b);
  put(check_code(content));
  out.push_back(kFlag);
  return out;
}

}  // namespace jt808
