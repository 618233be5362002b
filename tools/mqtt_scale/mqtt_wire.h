// The few MQTT 5 packets the minimal Asio client needs to be measured fairly against libmosquitto:
// CONNECT out, CONNACK and PINGRESP in, PINGREQ out. Not a client library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mqtt_scale {

std::string encode_connect_v5(std::string_view client_id, uint16_t keepalive_s);

struct PacketHead {
  uint8_t type = 0;         // high nibble of the first byte
  std::size_t length = 0;   // whole packet, header included
  uint8_t connack_reason = 0;
};

// The first complete packet at the start of `bytes`, or nullopt when more bytes are needed.
// A malformed length is reported as type 0xFF.
std::optional<PacketHead> next_packet(std::string_view bytes);

}  // namespace mqtt_scale
