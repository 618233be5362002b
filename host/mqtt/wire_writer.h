// Appends MQTT's primitive fields to a packet under construction. Lengths that do not fit (a
// string over 65 535 bytes) are recorded once and reported by the encoder, never truncated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace exproto::host::mqtt {

class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { u8(static_cast<uint8_t>(v >> 8)); u8(static_cast<uint8_t>(v)); }
  void u32(uint32_t v) { u16(static_cast<uint16_t>(v >> 16)); u16(static_cast<uint16_t>(v)); }
  void varint(uint32_t v);
  // Two-byte length + bytes (UTF-8 strings and binary data are written alike).
  void str(std::string_view s, const char* field);
  void raw(std::string_view s) { out_.append(s); }

  void fail(std::string e) {
    if (error_.empty()) error_ = std::move(e);
  }
  std::size_t size() const { return out_.size(); }
  const std::string& error() const { return error_; }

 private:
  std::string& out_;
  std::string error_;
};

// Bytes a variable byte integer of `v` takes.
std::size_t varint_size(uint32_t v);

}  // namespace exproto::host::mqtt
