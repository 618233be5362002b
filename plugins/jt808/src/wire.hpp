// Big-endian readers/writers, BCD and base64: the primitive encodings of JT/T 808 bodies.
// A Reader never reads past its span: every getter throws BodyError instead, which the body
// decoders let escape to the one place that turns it into "this body does not match its id".
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace jt808 {

using Bytes = std::vector<std::uint8_t>;

/// A body (or downlink JSON) that does not fit its message layout.
class BodyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  /// Exactly `n` raw bytes.
  std::span<const std::uint8_t> take(std::size_t n);
  /// Everything not read yet.
  std::span<const std::uint8_t> rest();
  /// `n` bytes of BCD rendered as 2n characters (nibbles above 9 as ':'…'?', as EMQX does).
  std::string bcd(std::size_t n);

  std::size_t remaining() const { return data_.size() - pos_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

class Writer {
 public:
  void u8(std::uint64_t v) { out_.push_back(static_cast<std::uint8_t>(v)); }
  void u16(std::uint64_t v);
  void u32(std::uint64_t v);
  void raw(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void raw(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  /// Exactly `n` bytes: `s` cut or right-padded with 0x00.
  void fixed(std::string_view s, std::size_t n);
  /// `n` bytes of BCD from a digit string, left-padded with '0' (cut from the left when longer).
  void bcd(std::string_view digits, std::size_t n);

  std::size_t size() const { return out_.size(); }
  Bytes& bytes() { return out_; }
  Bytes take() { return std::move(out_); }

 private:
  Bytes out_;
};

std::string as_string(std::span<const std::uint8_t> b);
std::span<const std::uint8_t> as_bytes(std::string_view s);
/// Drops trailing 0x00 bytes (fixed-width padding).
std::string trim_nul_right(std::string s);

std::string base64_encode(std::span<const std::uint8_t> data);
/// Standard alphabet; padding optional; whitespace not allowed. Throws BodyError.
Bytes base64_decode(std::string_view text);

}  // namespace jt808
