// Reads MQTT's primitive fields from one packet body. The first failure sticks: later reads return
// zero values and the caller checks error() once, so packet decoders read like the spec's tables
// instead of a ladder of checks, and the error still names the first field that was wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "host/mqtt/decode_error.h"

namespace exproto::host::mqtt {

class WireReader {
 public:
  // `what` names the packet in error details ("CONNACK", "PUBLISH").
  WireReader(std::string_view body, const char* what) : rest_(body), what_(what) {}

  uint8_t u8(const char* field);
  uint16_t u16(const char* field);
  uint32_t u32(const char* field);
  uint32_t varint(const char* field);
  // A UTF-8 string with its two-byte length, checked for well-formedness.
  std::string utf8(const char* field);
  // Binary data with its two-byte length.
  std::string binary(const char* field);
  // `n` raw bytes.
  std::string_view bytes(std::size_t n, const char* field);
  std::string_view take_rest() { auto r = rest_; rest_ = {}; return r; }

  std::size_t left() const { return rest_.size(); }
  bool ok() const { return !error_; }
  const std::optional<DecodeError>& error() const { return error_; }
  // Records a failure found by the caller (value checks); the first one wins.
  void fail(DecodeErrorKind kind, std::string detail);
  // Takes over the failure of a nested reader (the properties of this packet).
  void adopt(const DecodeError& e) {
    if (!error_) error_ = e;
    rest_ = {};
  }
  const char* what() const { return what_; }

 private:
  bool need(std::size_t n, const char* field, DecodeErrorKind kind = DecodeErrorKind::truncated);

  std::string_view rest_;
  const char* what_;
  std::optional<DecodeError> error_;
};

// Decodes a variable byte integer at the start of `s`. Returns the value and the bytes used;
// nullopt when more bytes are needed; `malformed` set when a fifth byte would be needed.
struct VarintPrefix {
  uint32_t value = 0;
  std::size_t length = 0;
};
std::optional<VarintPrefix> read_varint_prefix(std::string_view s, bool& malformed);

}  // namespace exproto::host::mqtt
