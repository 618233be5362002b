// Hot reload of an isolated codec: sessions migrate between two children (their state bytes
// travel child -> host -> child), host timers keep firing, the old child goes once its sessions
// left; and a reloaded generation whose children keep dying is rolled back on its own.
#include <doctest/doctest.h>

#include <thread>

#include "host/metrics/metrics.h"
#include "host/reload/reloader.h"
#include "isolation_support.h"

using namespace itest;
using namespace isotest;
namespace devgw = exproto::devgw;
namespace host = exproto::host;

namespace {

StackSpec reload_stack(const PluginsDir& plugins, std::function<void(host::Config&)> more = {}) {
  StackSpec spec;
  spec.routes = {RouteSpec{0, "fault_reload"}};
  spec.tweak_host = [&plugins, more](host::Config& c) {
    c.plugins.dir = plugins.path();
    c.plugins.watch = false;  // reloads are asked for explicitly, exactly once
    c.isolation.restart_backoff_ms = 50;
    isolate(c, 0);
    if (more) more(c);
  };
  return spec;
}

const host::CodecStatus* find_codec(const std::vector<host::CodecStatus>& all, const std::string& name) {
  for (const auto& c : all)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("isolation: hot reload migrates isolated sessions to a new child, half line and timer included") {
  PluginsDir plugins;
  plugins.install("fault_reload_v1", "fault_reload.so");
  Stack stack(reload_stack(plugins));
  const auto first = runner_pids();
  REQUIRE(first.size() == 1);

  TcpClient device(stack.device_port(0));
  REQUIRE(echoes(device, "before"));
  device.write("TIMER 600 9\n");
  REQUIRE(device.read_line() == "TIMER 600 9");
  device.write("hel");
  std::this_thread::sleep_for(50ms);

  plugins.install("fault_reload_v2", "fault_reload.so");
  const auto done = stack.host().reloader().reload_file(plugins.file("fault_reload.so"));
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error()));
  auto& m = stack.host().metrics();
  REQUIRE(wait_until([&] { return m.sessions_migrated.get() == 1; }, 5s));
  CHECK(m.migrate_failures.get() == 0);

  device.write("lo\n");
  CHECK(device.read_line() == "hello");
  CHECK(device.read_line(3s) == "TIMER 9 FIRED");  // started under v1, fired into v2
  // The old generation's child is told to finish once no session uses it.
  CHECK(wait_until([&] { return runner_pids().size() == 1 && runner_pids()[0] != first[0]; }, 5s));
  const auto* codec = find_codec(stack.host().reloader().status(), "fault_reload");
  REQUIRE(codec != nullptr);
  CHECK(codec->generations.back().version == "2.0.0");
  CHECK(m.isolated_child_crashes.get() == 0);
  CHECK(echoes(device, "after"));
}

TEST_CASE("isolation: a reloaded generation whose child keeps crashing is rolled back automatically") {
  PluginsDir plugins;
  plugins.install("fault_reload_v1", "fault_reload.so");
  Stack stack(reload_stack(plugins, [](host::Config& c) {
    c.isolation.rollback_crashes = 3;
    c.isolation.rollback_window_ms = 30000;
  }));
  {
    TcpClient device(stack.device_port(0));
    REQUIRE(echoes(device, "FAULT"));  // v1 does not fault
  }
  plugins.install("fault_reload_segv", "fault_reload.so");
  const auto done = stack.host().reloader().reload_file(plugins.file("fault_reload.so"));
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error()));

  auto& m = stack.host().metrics();
  for (int crash = 1; crash <= 3; ++crash) {
    CAPTURE(crash);
    REQUIRE(time_to_serve(stack.device_port(0), 3s).has_value());
    TcpClient device(stack.device_port(0));
    REQUIRE(echoes(device, "ready"));
    device.write("FAULT\n");
    CHECK(device.wait_closed(5s));
    REQUIRE(wait_until([&] { return m.isolated_child_crashes.get() == static_cast<uint64_t>(crash); }, 5s));
  }
  REQUIRE(wait_until([&] { return m.isolated_rollbacks.get() == 1; }, 5s));
  const auto* codec = find_codec(stack.host().reloader().status(), "fault_reload");
  REQUIRE(codec != nullptr);
  CHECK(codec->generations.back().version == "1.0.0");
  CHECK(codec->last_failure.find("rolled back automatically") != std::string::npos);
  CHECK(codec->last_failure.find("SIGSEGV") != std::string::npos);

  // Served by v1 again: FAULT is just a line, and the route stays up.
  REQUIRE(time_to_serve(stack.device_port(0), 3s).has_value());
  TcpClient device(stack.device_port(0));
  CHECK(echoes(device, "FAULT"));
  CHECK(echoes(device, "still here"));
  CHECK(m.isolated_child_crashes.get() == 3);
}
