// exproto-session-memory: the host's memory per idle device. Starts exproto-host as a child
// process, plays EMQX opening N devices that then stay idle (unary OnSocketCreated, or the
// streaming service with the streams EMQX keeps open per device), and reports the growth of the
// host's resident memory per device at each checkpoint. The bench's ConnectionAdapter stand-in
// answers whatever the codec calls. Figures and commands: docs/performance.md.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapter_server.h"
#include "free_port.h"
#include "handler_process.h"
#include "host_sessions.h"
#include "idle_fleet.h"
#include "readiness.h"
#include "temp_dir.h"

namespace {

using namespace std::chrono_literals;

// Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status); nullopt if it is gone.
std::optional<uint64_t> rss_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  return std::nullopt;
}

// Waits until the host reports `want` sessions (it creates them after answering the streams'
// first message, so the fleet's count can be ahead of it for a moment).
bool wait_for_sessions(const std::string& admin, uint64_t want, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto n = exproto::memory::host_sessions(admin); n && *n >= want) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"exproto-session-memory: exproto-host's resident memory per idle device"};
  std::vector<std::size_t> checkpoints{10000, 100000};
  std::string service = "unary";
  uint32_t streams_per_device = 2;
  uint32_t channels = 4;
  std::string codec = "line";
  std::string host_bin = "build/host/exproto-host";
  std::string plugins_dir = "build/plugins";
  std::string base_config;
  double settle_seconds = 3;
  cli.add_option("--sessions", checkpoints, "device counts to report at, ascending (cumulative)")->delimiter(',')->capture_default_str();
  cli.add_option("--service", service, "unary | streaming")->check(CLI::IsMember({"unary", "streaming"}))->capture_default_str();
  cli.add_option("--streams-per-device", streams_per_device,
                 "streaming: streams EMQX keeps open per device (OnSocketCreated, OnReceivedBytes, then the other three)")
      ->check(CLI::Range(1, 5))->capture_default_str();
  cli.add_option("--channels", channels, "HTTP/2 connections to the host")->check(CLI::Range(1, 64))->capture_default_str();
  cli.add_option("--codec", codec, "codec the devices are routed to")->capture_default_str();
  cli.add_option("--host-bin", host_bin, "exproto-host executable")->capture_default_str();
  cli.add_option("--plugins-dir", plugins_dir, "codec folder")->capture_default_str();
  cli.add_option("--host-config", base_config, "base config (sessions.*, log...) the tool adds its ports and route to");
  cli.add_option("--settle", settle_seconds, "seconds to wait before reading the RSS at each checkpoint")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);

  exproto::bench::TempDir dir;
  exproto::bench::AdapterServer adapter("127.0.0.1:0");
  const std::string handler = "127.0.0.1:" + std::to_string(exproto::bench::free_loopback_port());
  const std::string admin = "127.0.0.1:" + std::to_string(exproto::bench::free_loopback_port());
  nlohmann::json config = nlohmann::json::object();
  if (!base_config.empty()) {
    std::ifstream in(base_config);
    config = nlohmann::json::parse(in, nullptr, false);
    if (config.is_discarded()) {
      std::fprintf(stderr, "exproto-session-memory: %s is not JSON\n", base_config.c_str());
      return 2;
    }
  }
  config["handler"]["bind"] = handler;
  config["adapter"]["address"] = adapter.address();
  config["admin"]["bind"] = admin;
  config["plugins"]["dir"] = std::filesystem::absolute(plugins_dir).string();
  config["routes"] = nlohmann::json::array({{{"listener", {{"port", 7993}, {"socktype", "tcp"}}}, {"codec", codec}}});
  if (!config.contains("log")) config["log"]["level"] = "warn";
  const auto config_file = dir.path() / "host.json";
  std::ofstream(config_file) << config.dump(2);

  exproto::bench::HandlerProcess host({host_bin, "--config", config_file.string()}, dir.path() / "host.log");
  if (!exproto::bench::wait_until_serving(handler, 30, [&] { return host.alive(); }) ||
      !wait_for_sessions(admin, 0, 10s)) {
    std::fprintf(stderr, "exproto-host did not start serving:\n%s\n", host.log_tail().c_str());
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(settle_seconds));
  const auto rss0 = rss_bytes(host.pid());
  if (!rss0) return 1;

  const bool streaming = service == "streaming";
  exproto::memory::IdleFleet fleet({.handler = handler, .streaming = streaming,
                                    .streams_per_device = streams_per_device, .channels = channels});
  std::printf("exproto-session-memory: %s service%s, codec %s, %u HTTP/2 connections; host RSS at start %.1f MiB\n\n",
              service.c_str(), streaming ? (", " + std::to_string(streams_per_device) + " streams per device").c_str() : "",
              codec.c_str(), channels, static_cast<double>(*rss0) / (1 << 20));
  std::printf("%10s %10s %14s %16s %14s\n", "devices", "streams", "host RSS MiB", "RSS growth MiB", "bytes/device");
  int status = 0;
  for (const std::size_t target : checkpoints) {
    const std::size_t have = fleet.opened();
    if (target <= have) continue;
    const auto t0 = std::chrono::steady_clock::now();
    fleet.open(target - have, 600);
    if (fleet.opened() < target || !wait_for_sessions(admin, target, 120s)) {
      std::fprintf(stderr, "only %zu of %zu devices opened (host sessions: %lld)\n%s\n", fleet.opened(), target,
                   static_cast<long long>(exproto::memory::host_sessions(admin).value_or(0)), host.log_tail().c_str());
      status = 1;
      break;
    }
    const double open_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::duration<double>(settle_seconds));
    const auto rss = rss_bytes(host.pid());
    if (!rss) {
      std::fprintf(stderr, "exproto-host died:\n%s\n", host.log_tail().c_str());
      return 1;
    }
    const double growth = static_cast<double>(*rss) - static_cast<double>(*rss0);
    std::printf("%10zu %10zu %14.1f %16.1f %14.0f   (opened in %.1f s)\n", target, fleet.open_streams(),
                static_cast<double>(*rss) / (1 << 20), growth / (1 << 20), growth / static_cast<double>(target), open_s);
    std::fflush(stdout);
  }
  std::printf("\nhost stopped: %s\n", host.stop().c_str());
  return status;
}
