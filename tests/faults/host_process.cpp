#include "host_process.h"

#include "binaries.h"
#include "ports.h"

#include <charconv>
#include <csignal>
#include <fstream>
#include <thread>

namespace faults {

namespace {

// The port of a "HOST:PORT" config value; 0 if there is none.
std::uint16_t port_in(const nlohmann::json& config, const char* section) {
  if (!config.contains(section) || !config[section].contains("bind")) return 0;
  const auto bind = config[section]["bind"].get<std::string>();
  unsigned port = 0;
  const auto colon = bind.rfind(':');
  if (colon == std::string::npos) return 0;
  std::from_chars(bind.data() + colon + 1, bind.data() + bind.size(), port);
  return static_cast<std::uint16_t>(port);
}

}  // namespace

nlohmann::json host_config(std::uint16_t handler_port, const std::string& adapter_address, std::uint16_t admin_port,
                           const std::vector<HostRoute>& routes) {
  nlohmann::json config = {
      {"handler", {{"bind", "127.0.0.1:" + std::to_string(handler_port)}}},
      {"adapter", {{"address", adapter_address}}},
      {"plugins", {{"dir", plugins_dir().string()}}},
      {"routes", nlohmann::json::array()},
      {"log", {{"level", "info"}}},
  };
  for (const auto& r : routes)
    config["routes"].push_back(
        {{"listener", {{"port", r.port}, {"socktype", r.socktype}}}, {"codec", r.codec}, {"config", r.config}});
  if (admin_port != 0) config["admin"] = {{"bind", "127.0.0.1:" + std::to_string(admin_port)}};
  return config;
}

std::expected<std::unique_ptr<HostProcess>, std::string> HostProcess::start(nlohmann::json config,
                                                                             const std::filesystem::path& dir,
                                                                             std::chrono::milliseconds ready) {
  const auto handler_port = port_in(config, "handler");
  if (handler_port == 0) return std::unexpected("host config: handler.bind needs a fixed port");
  const auto admin_port = port_in(config, "admin");
  auto host = std::unique_ptr<HostProcess>(new HostProcess(std::move(config), dir, handler_port, admin_port));
  if (auto up = host->launch(ready); !up) return std::unexpected(up.error());
  return host;
}

std::expected<void, std::string> HostProcess::launch(std::chrono::milliseconds ready) {
  const auto config_file = dir_ / "host.json";
  std::ofstream(config_file) << config_.dump(2) << "\n";
  const auto log_file = dir_ / ("host-" + std::to_string(++incarnation_) + ".log");
  auto child = ChildProcess::spawn({host_binary().string(), "--config", config_file.string()}, log_file);
  if (!child) return std::unexpected(child.error());
  process_ = std::move(*child);
  const auto deadline = std::chrono::steady_clock::now() + ready;
  bool up = false;
  while (!up && process_->running() && std::chrono::steady_clock::now() < deadline) {
    up = port_accepts(handler_port_) && (admin_port_ == 0 || port_accepts(admin_port_));
    if (!up) std::this_thread::sleep_for(20ms);
  }
  if (!up) {
    const auto status = process_->exit_status();
    return std::unexpected("exproto-host did not come up (" + (status ? status->describe() : "still running") +
                           "); its log ends:\n" + process_->output_tail());
  }
  return {};
}

std::optional<ExitStatus> HostProcess::terminate(std::chrono::milliseconds timeout) {
  process_->signal(SIGTERM);
  return process_->wait_exit(timeout);
}

void HostProcess::kill9() { process_->kill(); }
bool HostProcess::running() { return process_->running(); }

std::expected<void, std::string> HostProcess::restart(std::chrono::milliseconds ready) {
  process_->kill();
  return launch(ready);
}

std::expected<std::string, std::string> HostProcess::ctl(const std::vector<std::string>& args,
                                                         std::chrono::milliseconds timeout) {
  if (admin_port_ == 0) return std::unexpected("the host config has no admin.bind");
  std::vector<std::string> argv{host_binary().string(), "ctl", "--admin", "127.0.0.1:" + std::to_string(admin_port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto run = std::to_string(++ctl_runs_);
  const auto out_file = dir_ / ("ctl-" + run + ".out");
  const auto err_file = dir_ / ("ctl-" + run + ".err");
  auto child = ChildProcess::spawn(argv, out_file, err_file);
  if (!child) return std::unexpected(child.error());
  const auto status = (*child)->wait_exit(timeout);
  if (!status) return std::unexpected("exproto-host ctl did not finish in time");
  if (!status->clean())
    return std::unexpected("exproto-host ctl: " + status->describe() + ": " + read_file(err_file));
  return read_file(out_file);
}

std::expected<Metrics, std::string> HostProcess::metrics(std::chrono::milliseconds timeout) {
  auto text = ctl({"metrics"}, timeout);
  if (!text) return std::unexpected(text.error());
  return parse_prometheus(*text);
}

}  // namespace faults
