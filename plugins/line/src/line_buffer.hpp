// Cuts the device's byte stream into lines at '\n'. TCP chunks split and join lines freely, so
// the unfinished tail is kept until its newline arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace line {

class LineBuffer {
 public:
  void feed(std::span<const std::uint8_t> bytes);
  /// The next complete line without its '\n' (a '\r' before it is still there), valid until the
  /// next call; nullopt when no complete line is buffered.
  std::optional<std::string_view> next();
  /// Everything not handed out yet: after next() returned nullopt, the unfinished line.
  std::size_t buffered() const { return buf_.size() - begin_; }
  /// The bytes not handed out yet; feeding them to a fresh buffer reproduces this one, which is how
  /// a session carries them across a hot reload.
  std::string_view unconsumed() const { return std::string_view(buf_).substr(begin_); }

 private:
  std::string buf_;
  std::size_t begin_ = 0;    // first byte not handed out
  std::size_t scanned_ = 0;  // bytes before this hold no '\n' (beyond begin_)
};

}  // namespace line
