// The exproto-host executable as a separate process: started from a generated JSON config,
// stopped with SIGTERM (exit status checked by the test) or SIGKILL, and read through
// `exproto-host ctl` as an operator would.
#pragma once

#include "child_process.h"
#include "prometheus.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace faults {

using namespace std::chrono_literals;

/// One route of the host config.
struct HostRoute {
  std::uint16_t port = 0;                         ///< the gateway listener it serves
  std::string codec = "line";
  nlohmann::json config = nlohmann::json::object();  ///< the codec's config object
  std::string socktype = "tcp";
};

/// A minimal valid config (see host/config/config.h): handler on 127.0.0.1:handler_port,
/// ConnectionAdapter at `adapter_address`, codecs from the build, admin on 127.0.0.1:admin_port
/// (0 = no admin endpoint), log level info. Tests add or change keys before starting, e.g.
/// `config["sessions"]["probe_idle_s"] = 1;` (unknown keys make the host refuse to start).
nlohmann::json host_config(std::uint16_t handler_port, const std::string& adapter_address, std::uint16_t admin_port,
                           const std::vector<HostRoute>& routes);

class HostProcess {
 public:
  /// Writes `config` to `dir`/host.json, starts `exproto-host --config` with output in
  /// `dir`/host-N.log, and waits until the handler port (and the admin port, if configured)
  /// accept connections. On failure the error carries the end of the log.
  static std::expected<std::unique_ptr<HostProcess>, std::string> start(nlohmann::json config,
                                                                         const std::filesystem::path& dir,
                                                                         std::chrono::milliseconds ready = 15s);
  /// The process is SIGKILLed if it still runs.
  ~HostProcess() = default;

  /// SIGTERM, then waits up to `timeout` for the exit; nullopt if it still runs then (the test
  /// fails on that; the destructor SIGKILLs it).
  std::optional<ExitStatus> terminate(std::chrono::milliseconds timeout = 15s);
  void kill9();
  bool running();
  /// Starts the host again with the same config (SIGKILLing it first if it still runs).
  std::expected<void, std::string> restart(std::chrono::milliseconds ready = 15s);

  std::uint16_t handler_port() const { return handler_port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  const nlohmann::json& config() const { return config_; }

  /// `exproto-host ctl --admin 127.0.0.1:ADMIN <args…>`: its stdout, or an error with its exit
  /// status and stderr. Needs an admin port.
  std::expected<std::string, std::string> ctl(const std::vector<std::string>& args,
                                              std::chrono::milliseconds timeout = 5s);
  /// `ctl metrics`, parsed: "exproto_sessions_active" → 3, …
  std::expected<Metrics, std::string> metrics(std::chrono::milliseconds timeout = 5s);

  std::string log() const { return process_->output(); }
  std::string log_tail(std::size_t lines = 40) const { return process_->output_tail(lines); }
  pid_t pid() const { return process_->pid(); }
  ChildProcess& process() { return *process_; }

 private:
  HostProcess(nlohmann::json config, std::filesystem::path dir, std::uint16_t handler_port, std::uint16_t admin_port)
      : config_(std::move(config)), dir_(std::move(dir)), handler_port_(handler_port), admin_port_(admin_port) {}
  std::expected<void, std::string> launch(std::chrono::milliseconds ready);

  nlohmann::json config_;
  std::filesystem::path dir_;
  std::uint16_t handler_port_;
  std::uint16_t admin_port_;
  int incarnation_ = 0;
  int ctl_runs_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace faults
