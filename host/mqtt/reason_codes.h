// Names of MQTT 5 reason codes (§2.4, table 2-6) and of MQTT 3.1.1 CONNACK return codes
// (§3.2.2.3), in snake case as EMQX names them, so close reasons read "mqtt:session_taken_over".
#pragma once

#include <cstdint>
#include <string>

#include "host/mqtt/mqtt_types.h"

namespace exproto::host::mqtt {

namespace reason {
inline constexpr uint8_t success = 0x00;  // also "normal disconnection", "granted QoS 0"
inline constexpr uint8_t disconnect_with_will = 0x04;
inline constexpr uint8_t no_subscription_existed = 0x11;
inline constexpr uint8_t unspecified_error = 0x80;
inline constexpr uint8_t malformed_packet = 0x81;
inline constexpr uint8_t protocol_error = 0x82;
inline constexpr uint8_t not_authorized = 0x87;
inline constexpr uint8_t server_shutting_down = 0x8B;
inline constexpr uint8_t keep_alive_timeout = 0x8D;
inline constexpr uint8_t session_taken_over = 0x8E;
inline constexpr uint8_t receive_maximum_exceeded = 0x93;
inline constexpr uint8_t packet_too_large = 0x95;
inline constexpr uint8_t qos_not_supported = 0x9B;
}  // namespace reason

// For a reason code in the context of `type` (0x00 is "success" in CONNACK but
// "normal_disconnection" in DISCONNECT, 0x01/0x02 are granted QoS in SUBACK). Unknown codes give
// "reason_0xNN".
std::string reason_code_name(uint8_t code, PacketType type = PacketType::disconnect);

// MQTT 3.1.1 CONNACK return codes 0–5; others "return_code_N".
std::string connack_return_code_name(uint8_t code);

// A 3.1.1 CONNACK return code as the MQTT 5 reason code with the same meaning (1 → 0x84 …).
uint8_t v5_reason_for_v311_connack(uint8_t code);

}  // namespace exproto::host::mqtt
