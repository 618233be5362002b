#include "host/mqtt/reason_codes.h"

namespace exproto::host::mqtt {

std::string reason_code_name(uint8_t code, PacketType type) {
  switch (code) {
    case 0x00:
      if (type == PacketType::disconnect) return "normal_disconnection";
      if (type == PacketType::suback) return "granted_qos0";
      return "success";
    case 0x01: return "granted_qos1";
    case 0x02: return "granted_qos2";
    case 0x04: return "disconnect_with_will_message";
    case 0x10: return "no_matching_subscribers";
    case 0x11: return "no_subscription_existed";
    case 0x18: return "continue_authentication";
    case 0x19: return "re_authenticate";
    case 0x80: return "unspecified_error";
    case 0x81: return "malformed_packet";
    case 0x82: return "protocol_error";
    case 0x83: return "implementation_specific_error";
    case 0x84: return "unsupported_protocol_version";
    case 0x85: return "client_identifier_not_valid";
    case 0x86: return "bad_username_or_password";
    case 0x87: return "not_authorized";
    case 0x88: return "server_unavailable";
    case 0x89: return "server_busy";
    case 0x8A: return "banned";
    case 0x8B: return "server_shutting_down";
    case 0x8C: return "bad_authentication_method";
    case 0x8D: return "keepalive_timeout";
    case 0x8E: return "session_taken_over";
    case 0x8F: return "topic_filter_invalid";
    case 0x90: return "topic_name_invalid";
    case 0x91: return "packet_identifier_in_use";
    case 0x92: return "packet_identifier_not_found";
    case 0x93: return "receive_maximum_exceeded";
    case 0x94: return "topic_alias_invalid";
    case 0x95: return "packet_too_large";
    case 0x96: return "message_rate_too_high";
    case 0x97: return "quota_exceeded";
    case 0x98: return "administrative_action";
    case 0x99: return "payload_format_invalid";
    case 0x9A: return "retain_not_supported";
    case 0x9B: return "qos_not_supported";
    case 0x9C: return "use_another_server";
    case 0x9D: return "server_moved";
    case 0x9E: return "shared_subscriptions_not_supported";
    case 0x9F: return "connection_rate_exceeded";
    case 0xA0: return "maximum_connect_time";
    case 0xA1: return "subscription_identifiers_not_supported";
    case 0xA2: return "wildcard_subscriptions_not_supported";
    default: break;
  }
  static constexpr char hex[] = "0123456789abcdef";
  return std::string("reason_0x") + hex[code >> 4] + hex[code & 0xF];
}

std::string connack_return_code_name(uint8_t code) {
  switch (code) {
    case 0: return "success";
    case 1: return "unacceptable_protocol_version";
    case 2: return "client_identifier_not_valid";
    case 3: return "server_unavailable";
    case 4: return "bad_username_or_password";
    case 5: return "not_authorized";
    default: return "return_code_" + std::to_string(code);
  }
}

uint8_t v5_reason_for_v311_connack(uint8_t code) {
  switch (code) {
    case 0: return 0x00;
    case 1: return 0x84;
    case 2: return 0x85;
    case 3: return 0x88;
    case 4: return 0x86;
    case 5: return 0x87;
    default: return 0x80;
  }
}

}  // namespace exproto::host::mqtt
