// An ordinary MQTT 3.1.1 client of the test broker, standing where an application next to the
// devices would: it subscribes to what devices publish and publishes what they should receive.
// Blocking POSIX socket, every wait bounded by poll(); written from the MQTT 3.1.1 spec and
// independent of host/mqtt, so the host's MQTT side is checked against something it does not share.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

namespace ntest {

using namespace std::chrono_literals;

struct ProbeMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
};

class MqttProbe {
 public:
  struct Options {
    std::string clientid;
    std::string username;  // empty: none
    std::string password;
    bool clean_session = true;  // false: the broker keeps the session (and QoS 1 messages) while away
  };
  // Connects to 127.0.0.1:`port` and waits for CONNACK; connack() is its return code (-1: none).
  MqttProbe(uint16_t port, Options o);
  ~MqttProbe();
  MqttProbe(const MqttProbe&) = delete;
  MqttProbe& operator=(const MqttProbe&) = delete;

  int connack() const { return connack_; }
  bool session_present() const { return session_present_; }
  // SUBSCRIBE and its SUBACK: the granted QoS, 0x80 refused, -1 no answer.
  int subscribe(const std::string& filter, int qos);
  // PUBLISH; QoS 1 waits for its PUBACK (false without one).
  bool publish(const std::string& topic, const std::string& payload, int qos);
  // The next PUBLISH from the broker (QoS 1 acknowledged); nullopt on timeout or a closed socket.
  std::optional<ProbeMessage> next(std::chrono::milliseconds timeout = 5s);

 private:
  bool write_packet(uint8_t header, const std::string& body);
  // One packet: its first byte and body; nullopt on timeout, end or error.
  std::optional<std::pair<uint8_t, std::string>> read_packet(std::chrono::milliseconds timeout);
  bool read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  int connack_ = -1;
  bool session_present_ = false;
  uint16_t next_id_ = 1;
  // Waits for the ack packet `type` with packet id `id` (SUBACK: its body); PUBLISHes read meanwhile
  // are kept for next().
  std::optional<std::string> await_ack(uint8_t type, uint16_t id);

  std::string held_;  // bytes read and not parsed yet
  std::deque<std::pair<uint8_t, std::string>> publishes_;  // read while waiting for an ack
};

}  // namespace ntest
