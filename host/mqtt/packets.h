// The MQTT control packets a client sends and receives, as plain values. One struct per packet
// layout; the four acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP) share one. Fields that only
// MQTT 5 has (reason codes, properties) are ignored when encoding 3.1.1 and zero/empty when
// decoding it. Will messages and AUTH are not needed by the host and not offered.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "host/mqtt/mqtt_types.h"
#include "host/mqtt/properties.h"

namespace exproto::host::mqtt {

struct Connect {
  std::string clientid;
  std::optional<std::string> username;
  std::optional<std::string> password;
  uint16_t keepalive_s = 0;
  bool clean_start = true;
  Properties properties;
  bool operator==(const Connect&) const = default;
};

struct Connack {
  bool session_present = false;
  // MQTT 5: the reason code (0 success, ≥ 0x80 refused); 3.1.1: the return code (0 accepted, 1–5 refused).
  uint8_t code = 0;
  Properties properties;
  bool operator==(const Connack&) const = default;
};

struct Publish {
  std::string topic;
  std::string payload;
  uint8_t qos = 0;
  bool retain = false;
  bool dup = false;
  uint16_t packet_id = 0;  // QoS 1 and 2 only
  Properties properties;
  bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP (`type` says which).
struct PubAck {
  PacketType type = PacketType::puback;
  uint16_t packet_id = 0;
  uint8_t reason = 0;  // MQTT 5 only
  Properties properties;
  bool operator==(const PubAck&) const = default;
};

struct Subscribe {
  uint16_t packet_id = 0;
  struct Filter {
    std::string filter;
    // Bits 0–1 QoS; MQTT 5 adds no-local (2), retain-as-published (3), retain handling (4–5).
    uint8_t options = 0;
    bool operator==(const Filter&) const = default;
  };
  std::vector<Filter> filters;
  Properties properties;
  bool operator==(const Subscribe&) const = default;
};

// SUBACK and UNSUBACK: one reason code per filter (3.1.1's UNSUBACK has none).
struct SubAck {
  PacketType type = PacketType::suback;
  uint16_t packet_id = 0;
  std::vector<uint8_t> codes;
  Properties properties;
  bool operator==(const SubAck&) const = default;
};

struct Unsubscribe {
  uint16_t packet_id = 0;
  std::vector<std::string> filters;
  Properties properties;
  bool operator==(const Unsubscribe&) const = default;
};

// PINGREQ and PINGRESP.
struct Ping {
  PacketType type = PacketType::pingreq;
  bool operator==(const Ping&) const = default;
};

struct Disconnect {
  uint8_t reason = 0;  // MQTT 5 only
  Properties properties;
  bool operator==(const Disconnect&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, PubAck, Subscribe, SubAck, Unsubscribe, Ping, Disconnect>;

PacketType packet_type(const Packet& p);

}  // namespace exproto::host::mqtt
