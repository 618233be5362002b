// The real MQTT broker native-mode runs talk to: mosquitto on a free loopback port, with a
// generated config (no connection cap, no persistence, anonymous clients), in a folder of its
// own, stopped with SIGTERM when the object goes. Its CPU is the broker's, not the host's: the
// bench reports it apart.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "handler_process.h"

namespace exproto::bench {

class MqttBroker {
 public:
  // Writes `dir`/mosquitto.conf, starts `binary` and waits until the port accepts. Throws
  // std::runtime_error (with the broker's output) when it does not.
  MqttBroker(const std::filesystem::path& binary, const std::filesystem::path& dir);
  MqttBroker(const MqttBroker&) = delete;
  MqttBroker& operator=(const MqttBroker&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return process_.pid(); }

 private:
  static std::filesystem::path write_config(const std::filesystem::path& dir, uint16_t port);

  uint16_t port_;
  HandlerProcess process_;
};

}  // namespace exproto::bench
