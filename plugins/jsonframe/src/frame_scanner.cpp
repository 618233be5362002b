#include "frame_scanner.hpp"

#include <algorithm>

namespace jsonframe {
namespace {

bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void FrameScanner::feed(std::span<const std::uint8_t> bytes) {
  buf_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

FrameScanner::Step FrameScanner::next() {
  if (!in_frame_) {
    while (begin_ < buf_.size() && json_space(buf_[begin_])) ++begin_;
    if (begin_ == buf_.size()) {
      compact();
      return {};
    }
    if (buf_[begin_] != '{') return Step{Status::stray_byte, {}, static_cast<unsigned char>(buf_[begin_])};
    in_frame_ = true;
    in_string_ = false;
    escaped_ = false;
    depth_ = 0;
    pos_ = begin_;
  }

  while (pos_ < buf_.size()) {
    const char c = buf_[pos_++];
    if (pos_ - begin_ > max_frame_bytes_) return Step{Status::too_large, {}, 0};
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = true;
      } else if (c == '"') {
        in_string_ = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string_ = true;
        break;
      case '{':
      case '[':
        if (++depth_ > kMaxNesting) return Step{Status::too_deep, {}, 0};
        break;
      case '}':
      case ']':
        if (--depth_ == 0) {
          Step step{Status::frame, std::string_view(buf_).substr(begin_, pos_ - begin_), 0};
          begin_ = pos_;
          in_frame_ = false;
          return step;
        }
        break;
      default:
        break;
    }
  }
  compact();
  return {};
}

// Drops handed-out bytes. Only called when no frame view is outstanding (the caller asked for the
// next step, so it is done with the previous frame).
void FrameScanner::compact() {
  if (begin_ == 0) return;
  buf_.erase(0, begin_);
  pos_ -= std::min(pos_, begin_);
  begin_ = 0;
  // Most devices sit idle between frames: an emptied buffer goes back to the allocator rather
  // than staying with each of 100 000 idle sessions (the next frame allocates afresh).
  if (buf_.empty()) std::string().swap(buf_);
}

}  // namespace jsonframe
