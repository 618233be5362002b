#include "mqtt_wire.h"

namespace mqtt_scale {
namespace {

void put_varint(std::string& out, std::size_t v) {
  do {
    uint8_t b = v % 128;
    v /= 128;
    out.push_back(static_cast<char>(v > 0 ? b | 0x80 : b));
  } while (v > 0);
}

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

}  // namespace

std::string encode_connect_v5(std::string_view client_id, uint16_t keepalive_s) {
  std::string body;
  put_u16(body, 4);
  body += "MQTT";
  body.push_back(5);     // protocol level
  body.push_back(0x02);  // clean start, no will, no credentials
  put_u16(body, keepalive_s);
  body.push_back(0);     // no properties
  put_u16(body, static_cast<uint16_t>(client_id.size()));
  body += client_id;
  std::string packet(1, '\x10');
  put_varint(packet, body.size());
  return packet + body;
}

std::optional<PacketHead> next_packet(std::string_view bytes) {
  if (bytes.size() < 2) return std::nullopt;
  std::size_t length = 0;
  std::size_t at = 1;
  for (int shift = 0;; shift += 7, ++at) {
    if (shift > 21) return PacketHead{0xFF, 0, 0};
    if (at >= bytes.size()) return std::nullopt;
    const auto b = static_cast<uint8_t>(bytes[at]);
    length |= static_cast<std::size_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
  }
  const std::size_t total = at + 1 + length;
  if (bytes.size() < total) return std::nullopt;
  PacketHead h{static_cast<uint8_t>(static_cast<uint8_t>(bytes[0]) >> 4), total, 0};
  // CONNACK: flags byte, then the reason code.
  if (h.type == 2 && length >= 2) h.connack_reason = static_cast<uint8_t>(bytes[at + 2]);
  return h;
}

}  // namespace mqtt_scale
