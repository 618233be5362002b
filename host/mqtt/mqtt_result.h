// What became of a CONNECT or of one operation on an MQTT connection, before it is mapped to an
// EXPROTO_RESULT_* (mqtt_upstream.cpp owns that mapping).
#pragma once

#include <cstdint>
#include <string>

namespace exproto::host::mqtt {

struct MqttResult {
  enum class Status {
    ok,           // CONNACK/PUBACK/PUBCOMP/SUBACK/UNSUBACK with a code below 0x80; QoS 0 written
    refused,      // the broker answered with a code ≥ 0x80 (or 3.1.1 CONNACK 1–5, SUBACK 0x80)
    unavailable,  // no answer: unreachable, timed out, connection lost or closed, queue full
  };
  Status status = Status::ok;
  uint8_t code = 0;  // the broker's code (3.1.1 CONNACK codes mapped to their MQTT 5 reason)
  std::string text;  // "mqtt:not_authorized: <broker's reason string>", "mqtt:connection_lost", …

  static MqttResult ok_result(uint8_t code = 0) { return {Status::ok, code, {}}; }
  static MqttResult unavailable(std::string text) { return {Status::unavailable, 0, std::move(text)}; }
};

}  // namespace exproto::host::mqtt
