#include "host/mqtt/wire_reader.h"

#include "host/mqtt/utf8.h"

namespace exproto::host::mqtt {

std::optional<VarintPrefix> read_varint_prefix(std::string_view s, bool& malformed) {
  malformed = false;
  uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= s.size()) return std::nullopt;
    const auto b = static_cast<uint8_t>(s[i]);
    value |= static_cast<uint32_t>(b & 0x7F) << (7 * i);
    if ((b & 0x80) == 0) return VarintPrefix{value, i + 1};
  }
  malformed = true;  // four bytes all with the continuation bit
  return std::nullopt;
}

void WireReader::fail(DecodeErrorKind kind, std::string detail) {
  if (error_) return;
  error_ = DecodeError{kind, std::string(what_) + " " + std::move(detail)};
  rest_ = {};
}

bool WireReader::need(std::size_t n, const char* field, DecodeErrorKind kind) {
  if (error_) return false;
  if (rest_.size() >= n) return true;
  fail(kind, std::string(field) + ": needs " + std::to_string(n) + " bytes, " + std::to_string(rest_.size()) + " left");
  return false;
}

uint8_t WireReader::u8(const char* field) {
  if (!need(1, field)) return 0;
  const auto v = static_cast<uint8_t>(rest_[0]);
  rest_.remove_prefix(1);
  return v;
}

uint16_t WireReader::u16(const char* field) {
  if (!need(2, field)) return 0;
  const auto v = static_cast<uint16_t>((static_cast<uint8_t>(rest_[0]) << 8) | static_cast<uint8_t>(rest_[1]));
  rest_.remove_prefix(2);
  return v;
}

uint32_t WireReader::u32(const char* field) {
  if (!need(4, field)) return 0;
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(rest_[i]);
  rest_.remove_prefix(4);
  return v;
}

uint32_t WireReader::varint(const char* field) {
  if (error_) return 0;
  bool malformed = false;
  const auto v = read_varint_prefix(rest_, malformed);
  if (!v) {
    if (malformed) fail(DecodeErrorKind::malformed_varint, std::string(field) + ": variable byte integer longer than 4 bytes");
    else fail(DecodeErrorKind::truncated, std::string(field) + ": variable byte integer cut off by the end of the packet");
    return 0;
  }
  rest_.remove_prefix(v->length);
  return v->value;
}

std::string_view WireReader::bytes(std::size_t n, const char* field) {
  if (!need(n, field)) return {};
  auto v = rest_.substr(0, n);
  rest_.remove_prefix(n);
  return v;
}

std::string WireReader::utf8(const char* field) {
  const uint16_t n = u16(field);
  if (!need(n, field, DecodeErrorKind::bad_utf8)) return {};
  std::string s(rest_.substr(0, n));
  rest_.remove_prefix(n);
  if (!is_mqtt_utf8(s)) {
    fail(DecodeErrorKind::bad_utf8, std::string(field) + ": not well-formed UTF-8");
    return {};
  }
  return s;
}

std::string WireReader::binary(const char* field) {
  const uint16_t n = u16(field);
  return std::string(bytes(n, field));
}

}  // namespace exproto::host::mqtt
