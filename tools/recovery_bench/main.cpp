// exproto-recovery-bench: how fast the host gets back to serving when EMQX dies and comes back.
// A real exproto-devgw process plays EMQX and is killed with SIGKILL under N live devices, then
// restarted on the same ports; the host runs in this process (its metrics are read directly) and
// the devices are one Asio thread here. Prints: N devices connecting at once; kill → host notices;
// EMQX back → host ready, → first successful Authenticate, → all N forgotten sessions swept; and N
// devices reconnecting at once. See docs/reliability.md for the figures.
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <thread>

#include "child.h"
#include "fleet.h"
#include "host/app/app.h"
#include "host/config/config.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace host = exproto::host;
namespace rec = exproto::recovery;

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool accepts(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds timeout,
              std::chrono::milliseconds step = 2ms) {
  const auto end = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(step);
  }
  return true;
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure reaches a log even if a later step hangs
  CLI::App cli{"exproto-recovery-bench: EMQX killed and restarted under live devices"};
  std::size_t devices = 10000;
  std::string devgw_bin = "build/tools/devgw/exproto-devgw";
  std::string plugins_dir = "build/plugins";
  uint32_t probe_rate = 2000;
  std::string work_dir = "/tmp";
  cli.add_option("--devices", devices, "live devices when EMQX dies")->capture_default_str();
  cli.add_option("--devgw-bin", devgw_bin, "the exproto-devgw executable (plays EMQX)")->capture_default_str();
  cli.add_option("--plugins-dir", plugins_dir, "folder with jsonframe.so")->capture_default_str();
  cli.add_option("--probe-rate", probe_rate, "host sessions.probe_rate")->capture_default_str();
  cli.add_option("--log-dir", work_dir, "where the devgw log goes")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  raise_fd_limit();
  spdlog::set_level(spdlog::level::warn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // in order with the host's log lines on stderr

  const uint16_t handler = free_port(), adapter = free_port(), listener = free_port();
  const std::filesystem::path log = std::filesystem::path(work_dir) / ("recovery-bench-devgw-" + std::to_string(::getpid()) + ".log");
  const std::vector<std::string> devgw_argv{devgw_bin,
                                            "--handler", "127.0.0.1:" + std::to_string(handler),
                                            "--adapter", "127.0.0.1:" + std::to_string(adapter),
                                            "--listen", "tcp:127.0.0.1:" + std::to_string(listener),
                                            "--idle-timeout-ms", "600000",
                                            "--log-level", "error"};
  auto start_devgw = [&]() -> std::optional<rec::Child> {
    auto child = rec::Child::spawn(devgw_argv, log);
    if (!child) {
      std::fprintf(stderr, "cannot start the devgw: %s\n", child.error().c_str());
      return std::nullopt;
    }
    if (!wait_for([&] { return accepts(adapter) && accepts(listener); }, 10s, 5ms)) {
      std::fprintf(stderr, "the devgw did not come up (log: %s)\n", log.c_str());
      return std::nullopt;
    }
    return std::move(*child);
  };
  // The host first: a gateway whose first calls to a missing handler fail backs off before retrying.
  host::Config config;
  config.handler.bind = "127.0.0.1:" + std::to_string(handler);
  config.adapter.addresses = {"127.0.0.1:" + std::to_string(adapter)};
  config.plugins.dir = plugins_dir;
  config.plugins.watch = false;
  config.sessions.probe_idle_s = 0;  // the sweep after the outage is what is measured
  config.sessions.probe_rate = probe_rate;
  config.log.level = "warn";
  host::Route route;
  route.listener = host::ListenerKey{listener, host::SockType::tcp};
  route.codec = "jsonframe";
  route.config_json = "{}";
  config.routes.push_back(route);
  auto app = host::App::start(config);
  if (!app) {
    std::fprintf(stderr, "cannot start the host: %s\n", app.error().c_str());
    return 1;
  }
  auto& m = (*app)->metrics();
  auto devgw = start_devgw();
  if (!devgw) return 1;
  if (!wait_for([&] { return m.adapter_ready.get() == 1; }, 10s)) {
    std::fprintf(stderr, "the host never saw the adapter\n");
    return 1;
  }

  std::printf("devices: %zu, sessions.probe_rate %u/s\n", devices, probe_rate);
  rec::Fleet fleet(devices);
  auto first = fleet.connect_all(listener, "dev-", 120s);
  std::printf("%zu devices connect and authenticate at once: %.2f s (%zu ok, %zu failed)\n", devices,
              first.elapsed.count(), first.connected, first.failed);
  wait_for([&] { return m.sessions_active.get() == static_cast<int64_t>(first.connected); }, 30s);

  const auto killed = Clock::now();
  devgw->kill9();
  const bool noticed = wait_for([&] { return m.adapter_ready.get() == 0; }, 30s);
  const double noticed_s = since(killed);
  const std::size_t closed = fleet.wait_all_closed(30s);
  std::printf("EMQX killed (SIGKILL): host saw it unreachable after %.3f s%s; %zu device sockets closed; "
              "sessions still held: %lld\n",
              noticed_s, noticed ? "" : " (never)", closed, static_cast<long long>(m.sessions_active.get()));
  // What the sweep must find: the sessions held now. A device whose Authenticate was still in
  // flight at the kill got HOST_UNAVAILABLE and its session ended then (a loaded machine makes
  // that likely), so it is not one EMQX forgot.
  const auto held = static_cast<uint64_t>(std::max<int64_t>(0, m.sessions_active.get()));

  devgw = start_devgw();
  if (!devgw) return 1;
  const auto back = Clock::now();
  const bool ready = wait_for([&] { return m.adapter_ready.get() == 1; }, 30s);
  const double ready_s = since(back);
  rec::Fleet one(1);
  double first_auth = -1;
  while (since(back) < 30) {
    if (one.connect_all(listener, "first-", 2s).connected == 1) {
      first_auth = since(back);
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  // Nothing probes before the outage (probe_idle_s 0), so every sweep counted is one of these.
  const bool swept = wait_for([&] { return m.sessions_swept.get() >= held; }, 60s);
  const double swept_s = since(back);
  std::printf("EMQX back (ports accept): host ready after %.3f s%s; first device authenticated after %.3f s; "
              "%llu forgotten sessions swept after %.2f s%s\n",
              ready_s, ready ? "" : " (never)", first_auth, static_cast<unsigned long long>(m.sessions_swept.get()),
              swept_s, swept ? "" : " (not all)");
  one.close_all();

  auto again = fleet.connect_all(listener, "dev-", 120s);
  std::printf("%zu devices reconnecting at once: %.2f s (%zu ok, %zu failed); sessions active %lld\n", devices,
              again.elapsed.count(), again.connected, again.failed, static_cast<long long>(m.sessions_active.get()));
  fleet.close_all();
  app->reset();
  return swept && ready && first_auth >= 0 ? 0 : 3;
}
