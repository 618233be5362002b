// MQTT 5 properties (§2.2.2.2): every property the spec defines is read with its declared type and
// kept, so a packet re-encodes to the same bytes; the client acts on a few (receive maximum,
// server keep alive, assigned client id, reason string, maximum packet size, maximum QoS).
// MQTT 3.1.1 has no properties: its packets carry an empty set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/mqtt/wire_reader.h"
#include "host/mqtt/wire_writer.h"

namespace exproto::host::mqtt {

// Property identifiers (MQTT 5 §2.2.2.2, table 2-4).
namespace prop {
inline constexpr uint8_t payload_format_indicator = 0x01;
inline constexpr uint8_t message_expiry_interval = 0x02;
inline constexpr uint8_t content_type = 0x03;
inline constexpr uint8_t response_topic = 0x08;
inline constexpr uint8_t correlation_data = 0x09;
inline constexpr uint8_t subscription_identifier = 0x0B;
inline constexpr uint8_t session_expiry_interval = 0x11;
inline constexpr uint8_t assigned_client_identifier = 0x12;
inline constexpr uint8_t server_keep_alive = 0x13;
inline constexpr uint8_t authentication_method = 0x15;
inline constexpr uint8_t authentication_data = 0x16;
inline constexpr uint8_t request_problem_information = 0x17;
inline constexpr uint8_t will_delay_interval = 0x18;
inline constexpr uint8_t request_response_information = 0x19;
inline constexpr uint8_t response_information = 0x1A;
inline constexpr uint8_t server_reference = 0x1C;
inline constexpr uint8_t reason_string = 0x1F;
inline constexpr uint8_t receive_maximum = 0x21;
inline constexpr uint8_t topic_alias_maximum = 0x22;
inline constexpr uint8_t topic_alias = 0x23;
inline constexpr uint8_t maximum_qos = 0x24;
inline constexpr uint8_t retain_available = 0x25;
inline constexpr uint8_t user_property = 0x26;
inline constexpr uint8_t maximum_packet_size = 0x27;
inline constexpr uint8_t wildcard_subscription_available = 0x28;
inline constexpr uint8_t subscription_identifier_available = 0x29;
inline constexpr uint8_t shared_subscription_available = 0x2A;
}  // namespace prop

struct Properties {
  std::optional<uint8_t> payload_format_indicator;
  std::optional<uint32_t> message_expiry_interval;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::vector<uint32_t> subscription_identifiers;  // PUBLISH may carry several
  std::optional<uint32_t> session_expiry_interval;
  std::optional<std::string> assigned_client_identifier;
  std::optional<uint16_t> server_keep_alive;
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;
  std::optional<uint8_t> request_problem_information;
  std::optional<uint32_t> will_delay_interval;
  std::optional<uint8_t> request_response_information;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> reason_string;
  std::optional<uint16_t> receive_maximum;
  std::optional<uint16_t> topic_alias_maximum;
  std::optional<uint16_t> topic_alias;
  std::optional<uint8_t> maximum_qos;
  std::optional<uint8_t> retain_available;
  std::vector<std::pair<std::string, std::string>> user_properties;
  std::optional<uint32_t> maximum_packet_size;
  std::optional<uint8_t> wildcard_subscription_available;
  std::optional<uint8_t> subscription_identifier_available;
  std::optional<uint8_t> shared_subscription_available;

  bool operator==(const Properties&) const = default;
};

// Reads a property length and that many bytes of properties. Unknown ids, a property given twice
// (other than user property and subscription identifier), values the spec forbids (receive
// maximum 0, a boolean byte above 1, …) and a length running past the packet are errors.
Properties read_properties(WireReader& r);

// Writes the property length and the properties that are set, in id order.
void write_properties(WireWriter& w, const Properties& p);

}  // namespace exproto::host::mqtt
