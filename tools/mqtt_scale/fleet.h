// What both client implementations are asked to do: open `clients` MQTT connections, keep them
// alive for `hold_s`, then let the caller measure while they are still open.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace mqtt_scale {

struct FleetOptions {
  int clients = 1000;
  uint16_t port = 1883;
  int first_index = 0;     // global index of the first client (client ids, source address)
  int keepalive_s = 10;
  int hold_s = 12;         // longer than keepalive, so PINGREQ/PINGRESP really run
  int publish_each = 0;    // QoS 0 messages each client publishes after CONNACK (libmosquitto only)
  int max_connecting = 256;  // connects in flight: the broker's listen backlog is small
};

struct FleetResult {
  int connected = 0;
  int failed = 0;
  int dropped = 0;              // connected, then lost before the measurement
  int64_t pings_answered = -1;  // -1: the implementation cannot tell (libmosquitto has no hook)
};

// One source address per 20 000 clients: one source IP towards one broker port runs out of
// ephemeral ports near 28 000 with Linux's default range.
std::string source_address(int index);

std::string client_id(int index);

// `measure` runs on the loop thread after the hold, with every connection still open.
FleetResult run_mosquitto_fleet(const FleetOptions& o, const std::function<void()>& measure);
FleetResult run_asio_fleet(const FleetOptions& o, const std::function<void()>& measure);

}  // namespace mqtt_scale
