// Process isolation with real processes on loopback: the host (in this process) behind the
// development gateway, an isolated route whose codec runs in an exproto-host codec-runner child,
// and an in-process route beside it. Faults come from the fixture codecs (tests/fixtures) or from
// outside (SIGKILL); every test checks what devices see and what the host counts.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "host/metrics/metrics.h"
#include "host/os/unique_fd.h"
#include "host/reload/reloader.h"
#include "isolation_support.h"

using namespace itest;
using namespace isotest;
namespace devgw = exproto::devgw;
namespace host = exproto::host;

namespace {

// Listener 0: `codec` isolated. Listener 1: fault_none in process.
StackSpec two_routes(const PluginsDir& plugins, const std::string& codec, const std::string& config = "{}",
                     std::function<void(host::Config&)> more = {}) {
  StackSpec spec;
  spec.listeners = {devgw::ListenerSpec{}, devgw::ListenerSpec{}};
  spec.routes = {RouteSpec{0, codec, config}, RouteSpec{1, "fault_none"}};
  spec.tweak_host = [&plugins, more](host::Config& c) {
    c.plugins.dir = plugins.path();
    c.plugins.watch = false;
    c.isolation.restart_backoff_ms = 50;
    isolate(c, 0);
    if (more) more(c);
  };
  return spec;
}

// A device on the in-process route that keeps talking while the test breaks the other route; every
// line must come back, in order.
class Chatter {
 public:
  explicit Chatter(uint16_t port) : device_(port) {
    thread_ = std::jthread([this](std::stop_token stop) {
      while (!stop.stop_requested()) {
        if (!echoes(device_, "line " + std::to_string(sent_))) {
          failed_ = true;
          return;
        }
        ++sent_;
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  // Stops and says whether every line came back.
  bool all_echoed() {
    thread_.request_stop();
    thread_.join();
    return !failed_ && sent_ > 0;
  }
  int sent() const { return sent_; }

 private:
  TcpClient device_;
  std::atomic<int> sent_{0};
  std::atomic<bool> failed_{false};
  std::jthread thread_;
};

// A fault on the isolated route closes its devices, leaves the in-process route untouched, and the
// route serves new devices again within 2 s.
void check_fault_contained(const std::string& codec, const std::function<void(TcpClient& culprit)>& fault,
                           const std::function<void(host::Config&)>& more = {}) {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_" + codec.substr(6), codec + ".so");
  Stack stack(two_routes(plugins, codec, "{}", more));
  const auto before = runner_pids();
  REQUIRE(before.size() == 1);

  TcpClient culprit(stack.device_port(0)), bystander(stack.device_port(0));
  REQUIRE(echoes(culprit, "hello"));
  REQUIRE(echoes(bystander, "hello too"));
  Chatter other_route(stack.device_port(1));

  const auto t0 = std::chrono::steady_clock::now();
  fault(culprit);
  CHECK(culprit.wait_closed(5s));
  CHECK(bystander.wait_closed(5s));
  const auto served = time_to_serve(stack.device_port(0), 2s);
  CHECK_MESSAGE(served.has_value(), "no device on the isolated route was served within 2 s of the fault");
  MESSAGE("crash to serving again: ",
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count(), " ms");
  CHECK(other_route.all_echoed());
  const auto after = runner_pids();
  REQUIRE(after.size() == 1);
  CHECK(after[0] != before[0]);
  CHECK(stack.host().metrics().isolated_child_restarts.get() == 1);
}

}  // namespace

TEST_CASE("isolation: a device on an isolated route is served, timers included") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  Stack stack(two_routes(plugins, "fault_none"));
  REQUIRE(runner_pids().size() == 1);
  TcpClient device(stack.device_port(0));
  CHECK(echoes(device, "hello"));
  device.write("hel");
  std::this_thread::sleep_for(50ms);  // two events: the child keeps the half line between hooks
  device.write("lo\n");
  CHECK(device.read_line() == "hello");
  device.write("TIMER 100 7\n");
  CHECK(device.read_line() == "TIMER 100 7");
  CHECK(device.read_line() == "TIMER 7 FIRED");
  TcpClient other(stack.device_port(1));
  CHECK(echoes(other, "in process"));
  CHECK(stack.host().metrics().isolated_child_crashes.get() == 0);
}

TEST_CASE("isolation: with log.format json the codec-runner child writes JSON lines naming its codec, route and pid") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  const auto log_file = plugins.path() / "child.log";
  std::optional<Stack> stack;
  {
    // The child writes to the stdout and stderr it inherits: this process's, pointed at a file
    // while the host starts it.
    host::UniqueFd file(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(file);
    std::fflush(stdout);
    std::fflush(stderr);
    host::UniqueFd saved_out(::dup(1)), saved_err(::dup(2));
    ::dup2(file.get(), 1);
    ::dup2(file.get(), 2);
    stack.emplace(two_routes(plugins, "fault_none", "{}", [](host::Config& c) {
      c.log.level = "debug";  // the fixture says it was created at DEBUG
      c.log.format = "json";
    }));
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(saved_out.get(), 1);
    ::dup2(saved_err.get(), 2);
  }
  const auto pids = runner_pids();
  REQUIRE(pids.size() == 1);
  const std::string created = R"("msg":"[codec fault_none] fault_none 1.0.0 created"})";
  std::string line, text;
  REQUIRE(wait_until([&] {
    std::stringstream all;
    all << std::ifstream(log_file).rdbuf();
    text = all.str();
    for (std::istringstream lines(text); std::getline(lines, line);) {
      if (line.find(created) != std::string::npos) return true;
    }
    return false;
  }));
  CHECK(line.starts_with(R"({"time":")"));
  CHECK(line.find(R"("level":"debug","codec":"fault_none","route":"tcp:)" + std::to_string(stack->device_port(0)) +
                  R"(","pid":")" + std::to_string(pids[0]) + R"(",)") != std::string::npos);
  CHECK(text.find("[codec-runner") == std::string::npos);  // no text line from the child
  TcpClient device(stack->device_port(0));
  CHECK(echoes(device, "still served"));
}

TEST_CASE("isolation: the child killed from outside costs only its route's devices") {
  check_fault_contained("fault_none", [](TcpClient&) {
    const auto pids = runner_pids();
    REQUIRE(pids.size() == 1);
    ::kill(pids[0], SIGKILL);
  });
}

TEST_CASE("isolation: a segfaulting codec costs only its route's devices") {
  check_fault_contained("fault_segv", [](TcpClient& culprit) { culprit.write("FAULT\n"); });
}

TEST_CASE("isolation: a raw C++ exception out of a hook costs only its route's devices") {
  check_fault_contained("fault_throw", [](TcpClient& culprit) { culprit.write("FAULT\n"); });
}

TEST_CASE("isolation: a hook that never returns is killed after sessions.hook_timeout_ms") {
  const auto start = std::chrono::steady_clock::now();
  check_fault_contained(
      "fault_spin", [](TcpClient& culprit) { culprit.write("FAULT\n"); },
      [](host::Config& c) { c.sessions.hook_timeout_ms = 300; });
  CHECK(std::chrono::steady_clock::now() - start < 10s);
}

TEST_CASE("isolation: a slow hook within the limit is waited for") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_slow", "fault_slow.so");
  Stack stack(two_routes(plugins, "fault_slow", "{}", [](host::Config& c) { c.sessions.hook_timeout_ms = 1000; }));
  TcpClient device(stack.device_port(0));
  CHECK(echoes(device, "FAULT 200"));
  CHECK(echoes(device, "still here"));
  CHECK(stack.host().metrics().isolated_hook_timeouts.get() == 0);
  CHECK(stack.host().metrics().isolated_child_crashes.get() == 0);
}

TEST_CASE("isolation: a slow hook of one device leaves the route's other devices served") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_slow", "fault_slow.so");
  // One worker: before hook lanes, the slow hook held it and the other device waited behind it.
  Stack stack(two_routes(plugins, "fault_slow", "{}", [](host::Config& c) {
    c.sessions.hook_timeout_ms = 5000;
    c.sessions.workers = 1;
  }));
  TcpClient slow(stack.device_port(0)), other(stack.device_port(0));
  REQUIRE(echoes(slow, "warm"));
  REQUIRE(echoes(other, "warm too"));
  slow.write("FAULT 4000\n");
  std::this_thread::sleep_for(100ms);  // its hook sleeps in the child now
  // Each within 1 s (they take milliseconds): waiting behind the slow hook would take 3.9 s.
  for (int i = 0; i < 3; ++i) CHECK(echoes(other, "line " + std::to_string(i), 1s));
  // All of that while the slow hook was still running: its echo is not there yet.
  CHECK_FALSE(slow.read_line(10ms).has_value());
  CHECK(slow.read_line(8s) == "FAULT 4000");
  CHECK(echoes(slow, "after"));
  CHECK(stack.host().metrics().isolated_hook_timeouts.get() == 0);
  CHECK(stack.host().metrics().isolated_child_crashes.get() == 0);
}

TEST_CASE("isolation: hook timeout, crash and restart are counted") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_spin", "fault_spin.so");
  Stack stack(two_routes(plugins, "fault_spin", "{}", [](host::Config& c) { c.sessions.hook_timeout_ms = 200; }));
  TcpClient device(stack.device_port(0));
  device.write("FAULT\n");
  CHECK(device.wait_closed(5s));
  auto& m = stack.host().metrics();
  CHECK(wait_until([&] { return m.isolated_child_restarts.get() == 1; }, 5s));
  CHECK(m.isolated_hook_timeouts.get() == 1);
  CHECK(m.isolated_child_crashes.get() == 0);
  const std::string text = m.render_prometheus();
  CHECK(text.find("exproto_isolated_hook_timeouts_total 1") != std::string::npos);
}

TEST_CASE("isolation: a codec failing at create in its child fails the route with the reason") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_segv", "fault_segv.so");
  host::Config config;
  config.plugins.dir = plugins.path();
  config.plugins.watch = false;
  config.handler.bind = "127.0.0.1:0";
  host::Route route;
  route.listener.port = 7993;
  route.codec = "fault_segv";
  route.config_json = R"({"fault_on":"create"})";
  config.routes.push_back(route);
  isolate(config, 0);
  auto app = host::App::start(config);
  REQUIRE_FALSE(app.has_value());
  CHECK(app.error().find("routes[0]") != std::string::npos);
  CHECK(app.error().find("SIGSEGV") != std::string::npos);
  CHECK(runner_pids().empty());
}

TEST_CASE("isolation: a leaking codec grows its child, not the host") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  plugins.install("fault_leak", "fault_leak.so");
  Stack stack(two_routes(plugins, "fault_leak"));
  const auto pids = runner_pids();
  REQUIRE(pids.size() == 1);
  const auto rss_kib = [](const std::string& pid) {
    std::ifstream status("/proc/" + pid + "/status");
    std::string line;
    while (std::getline(status, line))
      if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    return -1L;
  };
  TcpClient device(stack.device_port(0));
  REQUIRE(echoes(device, "warm up"));
  const long child_before = rss_kib(std::to_string(pids[0]));
  const long host_before = rss_kib("self");
  for (int i = 0; i < 4; ++i) REQUIRE(echoes(device, "FAULT 16384"));  // 4 x 16 MiB, never freed
  const long child_growth = rss_kib(std::to_string(pids[0])) - child_before;
  const long host_growth = rss_kib("self") - host_before;
  MESSAGE("child grew ", child_growth / 1024, " MiB, host ", host_growth / 1024, " MiB");
  CHECK(child_growth >= 60 * 1024);
  CHECK(host_growth < 16 * 1024);  // the events and their frames, not the leak
  CHECK(echoes(device, "still serving"));
}

TEST_CASE("isolation: a SIGHUP that isolates a route migrates its sessions into the child") {
  PluginsDir plugins;
  plugins.install("fault_none", "fault_none.so");
  StackSpec spec;
  spec.routes = {RouteSpec{0, "fault_none"}};
  spec.tweak_host = [&plugins](host::Config& c) {
    c.plugins.dir = plugins.path();
    c.plugins.watch = false;
    c.isolation.runner = EXPROTO_HOST_BIN;
  };
  Stack stack(spec);
  REQUIRE(runner_pids().empty());
  TcpClient device(stack.device_port(0));
  REQUIRE(echoes(device, "in process"));
  device.write("hel");
  std::this_thread::sleep_for(50ms);

  auto routes = stack.host_config().routes;
  routes[0].isolation = host::Isolation::process;
  const auto applied = stack.host().apply_routes(routes);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  REQUIRE(wait_until([&] { return stack.host().metrics().sessions_migrated.get() == 1; }, 5s));
  const auto pids = runner_pids();
  REQUIRE(pids.size() == 1);
  device.write("lo\n");
  CHECK(device.read_line() == "hello");  // the half line crossed into the child
  // Served by the child now: killing it closes the device.
  ::kill(pids[0], SIGKILL);
  CHECK(device.wait_closed(5s));
}
