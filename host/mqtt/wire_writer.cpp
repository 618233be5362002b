#include "host/mqtt/wire_writer.h"

namespace exproto::host::mqtt {

void WireWriter::varint(uint32_t v) {
  do {
    uint8_t b = v & 0x7F;
    v >>= 7;
    if (v) b |= 0x80;
    u8(b);
  } while (v);
}

void WireWriter::str(std::string_view s, const char* field) {
  if (s.size() > 0xFFFF) {
    fail(std::string(field) + ": " + std::to_string(s.size()) + " bytes, an MQTT string holds at most 65535");
    u16(0);
    return;
  }
  u16(static_cast<uint16_t>(s.size()));
  out_.append(s);
}

std::size_t varint_size(uint32_t v) {
  std::size_t n = 1;
  while (v >= 0x80) { v >>= 7; ++n; }
  return n;
}

}  // namespace exproto::host::mqtt
