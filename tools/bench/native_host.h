// exproto-host started in "mode": "native" for a bench run: its config written next to its log,
// its device listener on a free loopback port, ready once that port accepts.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "handler_process.h"

namespace exproto::bench {

struct NativeHostSpec {
  std::filesystem::path host_bin;
  std::filesystem::path plugins_dir;
  bool plugins_dir_given = false;
  std::string codec = "jsonframe";
  std::optional<std::filesystem::path> base_config;
  uint32_t keepalive_s = 0;  // > 0: mqtt.keepalive_s
  double ready_timeout_seconds = 20;
};

// A host serving the codec of the devices `protocol` names (jsonframe, jt808); throws
// std::runtime_error for a protocol the bench does not know.
NativeHostSpec native_host_spec(const std::string& protocol, std::filesystem::path host_bin,
                                std::filesystem::path plugins_dir, bool plugins_dir_given,
                                std::optional<std::filesystem::path> base_config);

class NativeHost {
 public:
  // Writes `dir`/<name>.json, starts the host (output to `dir`/<name>.log) and waits until its
  // listener accepts. Throws std::runtime_error with the host's last log lines when it does not.
  NativeHost(const NativeHostSpec& spec, const std::string& broker_address, const std::filesystem::path& dir,
             const std::string& name);
  NativeHost(const NativeHost&) = delete;
  NativeHost& operator=(const NativeHost&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const { return process_->pid(); }
  HandlerProcess& process() { return *process_; }

 private:
  uint16_t port_;
  std::optional<HandlerProcess> process_;
};

}  // namespace exproto::bench
