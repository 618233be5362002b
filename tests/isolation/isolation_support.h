// Helpers for the process-isolation tests: a private plugins folder with the fault fixtures, the
// codec-runner children of this test process, and devices that speak the fixtures' line echo.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness.h"
#include "tcp_client.h"

namespace isotest {

using namespace std::chrono_literals;

// A fresh plugins folder, removed with its content at the end of the test.
class PluginsDir {
 public:
  PluginsDir();
  ~PluginsDir();
  PluginsDir(const PluginsDir&) = delete;
  PluginsDir& operator=(const PluginsDir&) = delete;

  // Copies fixture `variant` (tests/fixtures/lib/<variant>/<file>) in under `file`, atomically
  // (written beside it, then renamed over it), as an operator installs a codec.
  void install(const std::string& variant, const std::string& file);
  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

 private:
  std::filesystem::path dir_;
};

// Marks route `index` isolated and points the host at the built exproto-host as its runner.
void isolate(exproto::host::Config& config, std::size_t index);

// The codec-runner children of this process, oldest first.
std::vector<pid_t> runner_pids();
// Waits until a child other than those in `old` runs; returns it.
std::optional<pid_t> wait_new_runner(const std::vector<pid_t>& old, std::chrono::milliseconds timeout = 5s);

// Writes `line` + "\n" and expects it back; false on anything else.
bool echoes(itest::TcpClient& device, const std::string& line, std::chrono::milliseconds timeout = 3s);

// Connects new devices to `port` until one gets its line echoed; how long that took, or nullopt
// if none did within `timeout`. A device whose connection the host refuses (its route's child is
// restarting) is simply replaced by the next one, as a real device reconnects.
std::optional<std::chrono::milliseconds> time_to_serve(uint16_t port, std::chrono::milliseconds timeout);

}  // namespace isotest
