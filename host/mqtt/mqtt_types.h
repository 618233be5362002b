// MQTT control packet types and protocol levels (MQTT 3.1.1 §2.2.1, MQTT 5.0 §2.1.2). Kept apart
// from the packet structs so the reason-code and property tables can name them without the rest.
#pragma once

#include <cstdint>

namespace exproto::host::mqtt {

// The protocol level byte of CONNECT: 4 is MQTT 3.1.1, 5 is MQTT 5.0.
enum class ProtocolVersion : uint8_t { v3_1_1 = 4, v5 = 5 };

enum class PacketType : uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

const char* packet_type_name(PacketType t);

// The largest Remaining Length a variable byte integer can carry (4 bytes, §1.5.5 / §2.2.3).
inline constexpr uint32_t kMaxRemainingLength = 268'435'455;

}  // namespace exproto::host::mqtt
