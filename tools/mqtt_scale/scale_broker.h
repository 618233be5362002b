// A throwaway mosquitto for the scale tool: generated config (no connection cap, no persistence)
// on a free loopback port, stopped and reaped when the object goes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>

namespace mqtt_scale {

class ScaleBroker {
 public:
  // Starts `binary` and waits until its port accepts; throws std::runtime_error when it cannot.
  explicit ScaleBroker(const std::string& binary);
  ~ScaleBroker();
  ScaleBroker(const ScaleBroker&) = delete;
  ScaleBroker& operator=(const ScaleBroker&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  std::filesystem::path dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace mqtt_scale
