// The exproto-devgw executable as a separate process on fixed loopback ports: the EMQX that
// fault tests kill with SIGKILL, restart on the same ports, freeze with SIGSTOP, and steer
// through its control port (DELAY, STALL, RESUME, LOSE_CLOSED, STATS).
#pragma once

#include "child_process.h"

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace faults {

using namespace std::chrono_literals;

struct DevgwSpec {
  std::uint16_t handler_port = 0;       ///< where the handler (the host) listens; required
  std::uint16_t adapter_port = 0;       ///< ConnectionAdapter; 0 = a free port, chosen once
  std::vector<std::uint16_t> tcp_ports{0};  ///< device listeners; each 0 = a free port, chosen once
  std::uint16_t control_port = 0;       ///< 0 = a free port, chosen once
  std::string service = "unary";        ///< "unary" | "streaming"
  std::vector<std::string> extra_args;  ///< e.g. {"--adapter-delay-ms", "300", "--lose-socket-closed"}
  std::string log_level = "info";
};

class DevgwProcess {
 public:
  /// Chooses the free ports, starts the process with its output in `dir`/devgw-1.log, and
  /// waits until it serves (its "devgw up" line, then the adapter and control ports accept).
  /// On failure the error carries the end of the log.
  static std::expected<std::unique_ptr<DevgwProcess>, std::string> start(DevgwSpec spec,
                                                                          const std::filesystem::path& dir,
                                                                          std::chrono::milliseconds ready = 10s);
  /// The process is SIGKILLed if it still runs.
  ~DevgwProcess() = default;

  /// `kill -9`: the kernel closes every socket of the process; nothing is said to anyone.
  void kill9();
  /// SIGTERM and wait: the gateway's own orderly stop. False if it did not end in `timeout`.
  bool stop(std::chrono::milliseconds timeout = 5s);
  /// SIGSTOP / SIGCONT: a frozen EMQX (its sockets stay open, nothing is read or answered).
  /// pause() returns once every thread has stopped.
  bool pause();
  bool resume();
  bool running();
  /// Starts a new incarnation on the same ports (SIGKILLing the old one if it still runs),
  /// logging to devgw-N.log, and waits until it serves.
  std::expected<void, std::string> restart(std::chrono::milliseconds ready = 10s);

  std::uint16_t adapter_port() const { return spec_.adapter_port; }
  std::string adapter_address() const { return "127.0.0.1:" + std::to_string(spec_.adapter_port); }
  std::uint16_t listener_port(std::size_t index = 0) const { return spec_.tcp_ports.at(index); }
  std::uint16_t control_port() const { return spec_.control_port; }
  const DevgwSpec& spec() const { return spec_; }

  /// One control line, its answer line ("OK…" or "ERR …"); an error if the control port does
  /// not answer within `timeout` (the process is down or SIGSTOPped).
  std::expected<std::string, std::string> control(std::string_view line, std::chrono::milliseconds timeout = 3s);
  /// STATS as numbers: "live", "held", "delay_ms", "stalled", "received.Send", "answered.Send", …
  std::expected<std::map<std::string, long long>, std::string> stats(std::chrono::milliseconds timeout = 3s);

  /// Output of the current incarnation, and its end for failure messages.
  std::string log() const { return process_->output(); }
  std::string log_tail(std::size_t lines = 40) const { return process_->output_tail(lines); }
  ChildProcess& process() { return *process_; }

 private:
  DevgwProcess(DevgwSpec spec, std::filesystem::path dir) : spec_(std::move(spec)), dir_(std::move(dir)) {}
  std::expected<void, std::string> launch(std::chrono::milliseconds ready);

  DevgwSpec spec_;
  std::filesystem::path dir_;
  int incarnation_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace faults
