#include "line_buffer.hpp"

#include <algorithm>

namespace line {

void LineBuffer::feed(std::span<const std::uint8_t> bytes) {
  // Drop what was handed out before growing, so the buffer holds at most one unfinished line
  // plus the lines of the current chunk.
  if (begin_ > 0) {
    buf_.erase(0, begin_);
    scanned_ -= std::min(scanned_, begin_);
    begin_ = 0;
  }
  buf_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

std::optional<std::string_view> LineBuffer::next() {
  const auto from = std::max(scanned_, begin_);
  const auto nl = buf_.find('\n', from);
  if (nl == std::string::npos) {
    scanned_ = buf_.size();
    return std::nullopt;
  }
  const auto line = std::string_view(buf_).substr(begin_, nl - begin_);
  begin_ = nl + 1;
  scanned_ = begin_;
  return line;
}

}  // namespace line
