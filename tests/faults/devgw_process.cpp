#include "devgw_process.h"

#include "binaries.h"
#include "device.h"
#include "ports.h"

#include <csignal>
#include <sstream>

namespace faults {

std::expected<std::unique_ptr<DevgwProcess>, std::string> DevgwProcess::start(DevgwSpec spec,
                                                                               const std::filesystem::path& dir,
                                                                               std::chrono::milliseconds ready) {
  if (spec.handler_port == 0) return std::unexpected("DevgwSpec.handler_port is required");
  // Fixed from here on: a restart must come back where the host and the devices expect it.
  if (spec.adapter_port == 0) spec.adapter_port = free_port();
  if (spec.control_port == 0) spec.control_port = free_port();
  for (auto& port : spec.tcp_ports)
    if (port == 0) port = free_port();
  auto devgw = std::unique_ptr<DevgwProcess>(new DevgwProcess(std::move(spec), dir));
  if (auto up = devgw->launch(ready); !up) return std::unexpected(up.error());
  return devgw;
}

std::expected<void, std::string> DevgwProcess::launch(std::chrono::milliseconds ready) {
  const auto local = [](std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); };
  std::vector<std::string> argv{devgw_binary().string(),
                                "--handler", local(spec_.handler_port),
                                "--adapter", local(spec_.adapter_port),
                                "--control", local(spec_.control_port),
                                "--service", spec_.service,
                                "--log-level", spec_.log_level};
  for (const auto port : spec_.tcp_ports) {
    argv.push_back("--listen");
    argv.push_back("tcp:" + local(port));
  }
  argv.insert(argv.end(), spec_.extra_args.begin(), spec_.extra_args.end());

  const auto log_file = dir_ / ("devgw-" + std::to_string(++incarnation_) + ".log");
  auto child = ChildProcess::spawn(argv, log_file);
  if (!child) return std::unexpected(child.error());
  process_ = std::move(*child);
  const auto deadline = std::chrono::steady_clock::now() + ready;
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  };
  // The line comes after every port is bound; device listeners are not probed, since a probe
  // would be a device conn the handler sees.
  if (!process_->wait_for_output("devgw up", ready) || !wait_port(spec_.adapter_port, left()) ||
      !wait_port(spec_.control_port, left())) {
    const auto status = process_->exit_status();
    return std::unexpected("exproto-devgw did not come up (" + (status ? status->describe() : "still running") +
                           "); its log ends:\n" + process_->output_tail());
  }
  return {};
}

void DevgwProcess::kill9() { process_->kill(); }

bool DevgwProcess::stop(std::chrono::milliseconds timeout) {
  process_->signal(SIGTERM);
  return process_->wait_exit(timeout).has_value();
}

bool DevgwProcess::pause() { return process_->freeze(); }
bool DevgwProcess::resume() { return process_->signal(SIGCONT); }
bool DevgwProcess::running() { return process_->running(); }

std::expected<void, std::string> DevgwProcess::restart(std::chrono::milliseconds ready) {
  process_->kill();
  return launch(ready);
}

std::expected<std::string, std::string> DevgwProcess::control(std::string_view line,
                                                              std::chrono::milliseconds timeout) {
  auto answer = ask_line(spec_.control_port, line, timeout);
  if (!answer) return std::unexpected("devgw control port " + std::to_string(spec_.control_port) +
                                      " did not answer '" + std::string(line) + "'");
  return *answer;
}

std::expected<std::map<std::string, long long>, std::string> DevgwProcess::stats(std::chrono::milliseconds timeout) {
  auto line = control("STATS", timeout);
  if (!line) return std::unexpected(line.error());
  std::istringstream words(*line);
  std::string word;
  words >> word;
  if (word != "OK") return std::unexpected("STATS answered '" + *line + "'");
  std::map<std::string, long long> stats;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos) return std::unexpected("STATS: '" + word + "' is not key=value");
    try {
      stats[word.substr(0, eq)] = std::stoll(word.substr(eq + 1));
    } catch (const std::exception&) {
      return std::unexpected("STATS: '" + word + "' has no number");
    }
  }
  return stats;
}

}  // namespace faults
