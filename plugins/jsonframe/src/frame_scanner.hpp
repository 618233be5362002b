// Cuts a device's byte stream into top-level JSON objects. TCP delivers arbitrary chunks, so one
// chunk may hold several frames and one frame may span several chunks; the scanner only tracks
// nesting outside strings and escapes, and leaves real parsing to the JSON parser.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace jsonframe {

class FrameScanner {
 public:
  enum class Status {
    frame,       // `frame` holds one complete object
    incomplete,  // everything buffered is consumed or part of an unfinished frame
    stray_byte,  // a byte other than whitespace or '{' where a frame must start (`byte`)
    too_large,   // the current frame exceeds the size bound
    too_deep,    // the current frame nests deeper than kMaxNesting
  };

  struct Step {
    Status status = Status::incomplete;
    std::string_view frame;  // valid until the next call to feed() or next()
    unsigned char byte = 0;
  };

  // Real frames nest two levels; the bound keeps a hostile frame from driving the parser deep.
  static constexpr int kMaxNesting = 64;

  explicit FrameScanner(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  void feed(std::span<const std::uint8_t> bytes);
  Step next();

  /// Bytes held for an unfinished frame (tests and diagnostics).
  std::size_t buffered() const { return buf_.size() - begin_; }
  /// The bytes not handed out yet (an unfinished frame); feeding them to a fresh scanner
  /// reproduces this one's state, which is how a session carries it across a hot reload.
  std::string_view unconsumed() const { return std::string_view(buf_).substr(begin_); }

 private:
  void compact();

  std::size_t max_frame_bytes_;
  std::string buf_;
  std::size_t begin_ = 0;  // first byte not yet handed out
  std::size_t pos_ = 0;    // next byte to scan inside the current frame
  bool in_frame_ = false;
  bool in_string_ = false;
  bool escaped_ = false;
  int depth_ = 0;
};

}  // namespace jsonframe
