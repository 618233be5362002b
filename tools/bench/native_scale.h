// Native mode at scale, idle: what N logged-in devices cost the host (memory, fds, kernel slab)
// once held past one MQTT keepalive, and how long N devices connecting at once take until the last
// one has its login acknowledged. A fresh mosquitto and fresh hosts per invocation; the devices
// log in (one MQTT session each on the broker) and then send nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace exproto::bench {

struct ScaleSettings {
  std::string protocol = "jsonframe";
  std::vector<std::size_t> idle_steps;  // idle fleet: devices held after each step, increasing
  std::size_t burst = 0;                // connect burst: devices connecting at once
  std::size_t hosts = 1;                // host processes behind the one broker; devices spread evenly
  uint32_t keepalive_s = 10;            // mqtt.keepalive_s of the hosts
  double hold_seconds = -1;             // idle fleet: hold after each step; < 0: 1.6 x keepalive
  double login_timeout_seconds = 120;
  std::size_t device_threads = 1;
  std::filesystem::path host_bin;
  std::filesystem::path plugins_dir;
  bool plugins_dir_given = false;
  std::filesystem::path broker_bin;
  std::optional<std::filesystem::path> host_config;
};

// Both print their table to `out` and progress to `progress`, and return the exit status: 0, 2
// when a device did not log in or was closed while idle, 3 on device errors, 4 when a host did
// not exit cleanly on SIGTERM right after every device closed.
int run_idle_fleet(const ScaleSettings& s, std::ostream& out, std::ostream& progress);
int run_connect_burst(const ScaleSettings& s, std::ostream& out, std::ostream& progress);

}  // namespace exproto::bench
