// Reads a fuzzer's input front to back as small integers and strings; past the end every read
// yields zeros or empty strings, so any input decodes into something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace exproto::host::fuzz {

class Input {
 public:
  Input(const uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  uint8_t byte() { return empty() ? 0 : data_[pos_++]; }
  template <class T>
  T integer() {
    T v{};
    const std::size_t n = std::min(sizeof v, size_ - std::min(pos_, size_));
    std::memcpy(&v, data_ + pos_, n);
    pos_ += n;
    return v;
  }
  // Up to `max` bytes, the length taken from the input first.
  std::string bytes(std::size_t max) {
    const std::size_t want = byte() % (max + 1);
    const std::size_t n = std::min(want, size_ - std::min(pos_, size_));
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }
  // Bytes up to the next NUL (consumed) or the end.
  std::string until_nul() {
    std::string out;
    while (!empty() && data_[pos_] != 0) out.push_back(static_cast<char>(data_[pos_++]));
    if (!empty()) ++pos_;
    return out;
  }
  std::string rest() {
    std::string out(reinterpret_cast<const char*>(data_ + std::min(pos_, size_)), size_ - std::min(pos_, size_));
    pos_ = size_;
    return out;
  }

 private:
  const uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace exproto::host::fuzz
