// The host's reliability features against a real EMQX stand-in process: the exproto-devgw killed
// with SIGKILL and restarted under live devices, losing OnSocketClosed, stalled; SIGTERM under
// load; a fleet of 10 000 devices reconnecting at once. Each test checks what devices see
// (answers, closes) and what the host holds (its metrics through `exproto-host ctl`).
#include <sys/resource.h>

#include <doctest/doctest.h>

#include <functional>
#include <thread>
#include <vector>

#include "device.h"
#include "fleet.h"
#include "process_stack.h"

using namespace faults;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<ProcessStack> stack_or_fail(StackSpec spec = {}) {
  auto stack = start_stack(std::move(spec));
  REQUIRE_MESSAGE(stack.has_value(), (stack ? "" : stack.error()));
  return std::move(*stack);
}

// One metric of the host process, -1 when it cannot be read.
double metric(ProcessStack& s, const std::string& name) {
  auto m = s.host->metrics();
  if (!m) return -1;
  auto it = m->find(name);
  return it == m->end() ? -1 : it->second;
}

bool metric_reaches(ProcessStack& s, const std::string& name, double value, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (metric(s, name) == value) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// The host with one route on `fixture` (tests/fixtures), from a plugins folder of its own, `tweak`
// applied to its config; and a device on it that has had a line echoed.
struct FixtureStack {
  ScratchDir plugins;
  std::unique_ptr<ProcessStack> stack;
  std::unique_ptr<Device> device;

  FixtureStack(const std::string& fixture, const std::function<void(nlohmann::json&)>& tweak) {
    std::filesystem::copy_file(std::filesystem::path(EXPROTO_FIXTURE_DIR) / fixture / (fixture + ".so"),
                               plugins / (fixture + ".so"));
    stack = stack_or_fail({.codecs = {fixture}, .tweak_host = [&](nlohmann::json& c) {
                             c["plugins"]["dir"] = plugins.path().string();
                             tweak(c);
                           }});
    device = Device::connect(stack->device_port());
    REQUIRE(device);
    REQUIRE(device->write("hello\n"));
    REQUIRE(device->read_line() == "hello");
  }
};

std::unique_ptr<Device> logged_in(std::uint16_t port, const std::string& clientid) {
  auto dev = Device::connect(port);
  REQUIRE(dev);
  REQUIRE(dev->write("CONNECT " + clientid + "\n"));
  REQUIRE(dev->read_line() == "OK");
  return dev;
}

}  // namespace

TEST_CASE("faults: EMQX SIGKILLed under idle devices, the sessions it forgot are swept once it is back") {
  auto s = stack_or_fail({.tweak_host = [](nlohmann::json& c) {
    c["adapter"]["reconnect_max_ms"] = 300;
    c["sessions"]["probe_idle_s"] = 0;  // only the recovery sweep may end them
  }});
  INFO(s->logs());
  std::vector<std::unique_ptr<Device>> devs;
  for (int i = 0; i < 20; ++i) devs.push_back(logged_in(s->device_port(), "idle-" + std::to_string(i)));
  REQUIRE(metric_reaches(*s, "exproto_sessions_active", 20, 5s));

  s->devgw->kill9();
  for (auto& d : devs) CHECK(d->wait_closed(5s));
  REQUIRE(metric_reaches(*s, "exproto_adapter_ready", 0, 5s));
  CHECK(metric(*s, "exproto_sessions_active") == 20);  // no OnSocketClosed ever comes

  const auto restarted = s->devgw->restart();
  REQUIRE_MESSAGE(restarted.has_value(), (restarted ? "" : restarted.error()));
  CHECK(metric_reaches(*s, "exproto_sessions_active", 0, 10s));
  CHECK(metric(*s, "exproto_sessions_swept_total") == 20);
  CHECK(metric(*s, "exproto_adapter_recoveries_total") == 1);
  auto back = logged_in(s->device_port(), "back");
  REQUIRE(back->write("PING\n"));
  CHECK(back->read_line() == "PONG");
  CHECK(metric(*s, "exproto_sessions_active") == 1);
}

TEST_CASE("faults: EMQX loses OnSocketClosed, idle probes end those sessions and spare the live idle one") {
  auto s = stack_or_fail({.devgw_args = {"--lose-socket-closed"},
                          .tweak_host = [](nlohmann::json& c) { c["sessions"]["probe_idle_s"] = 1; }});
  INFO(s->logs());
  auto stays = logged_in(s->device_port(), "stays");
  std::vector<std::unique_ptr<Device>> leaving;
  for (int i = 0; i < 5; ++i) leaving.push_back(logged_in(s->device_port(), "leaves-" + std::to_string(i)));
  REQUIRE(metric_reaches(*s, "exproto_sessions_active", 6, 5s));
  for (auto& d : leaving) d->close();  // EMQX ends the conns but never tells the host
  // Bound: probe_idle_s (1 s) + the 1 s scan + a round trip.
  CHECK(metric_reaches(*s, "exproto_sessions_active", 1, 6s));
  CHECK(metric(*s, "exproto_sessions_swept_total") == 5);
  CHECK(metric(*s, "exproto_probes_sent_total") >= 5);
  // The idle device that stayed was probed too and is still served; probes wrote nothing to it.
  REQUIRE(stays->write("PING\n"));
  CHECK(stays->read_line() == "PONG");
}

TEST_CASE("faults: a stalled EMQX costs each session one adapter.timeout_ms, and devices are served after it resumes") {
  auto s = stack_or_fail({.tweak_host = [](nlohmann::json& c) { c["adapter"]["timeout_ms"] = 1000; }});
  INFO(s->logs());
  auto dev = logged_in(s->device_port(), "patient");
  const double failures_before = metric(*s, "exproto_adapter_call_failures_total");
  REQUIRE(s->devgw->control("STALL"));
  const auto stalled = Clock::now();
  for (int i = 0; i < 5; ++i) REQUIRE(dev->write("PING\n"));
  // Five Sends queue behind each other; each deadline counts from when it was made, so all five
  // have failed about one timeout after the stall, not five.
  const bool all_failed = [&] {
    while (Clock::now() - stalled < 4s) {
      if (metric(*s, "exproto_adapter_call_failures_total") >= failures_before + 5) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }();
  CHECK(all_failed);
  CHECK(Clock::now() - stalled < 3s);
  REQUIRE(s->devgw->control("RESUME"));
  auto fresh = logged_in(s->device_port(), "after-stall");
  REQUIRE(fresh->write("PING\n"));
  CHECK(fresh->read_line() == "PONG");
}

TEST_CASE("faults: a call a stalled EMQX holds is cancelled by the host at its deadline, and its device is served after") {
  auto s = stack_or_fail({.tweak_host = [](nlohmann::json& c) { c["adapter"]["timeout_ms"] = 800; }});
  INFO(s->logs());
  auto dev = logged_in(s->device_port(), "waiting");
  const std::string deadline_sends = R"(exproto_adapter_calls_by_result_total{kind="Send",result="host_deadline"})";
  REQUIRE(metric(*s, deadline_sends) == -1);  // none yet (zero series are left out)
  REQUIRE(s->devgw->control("STALL"));
  const auto stalled = Clock::now();
  REQUIRE(dev->write("PING\n"));  // its PONG is a Send that EMQX now holds
  CHECK(metric_reaches(*s, deadline_sends, 1, 5s));
  const auto failed_after = Clock::now() - stalled;
  CHECK(failed_after >= 700ms);  // not before its deadline
  CHECK(failed_after < 3s);
  // EMQX saw the call given up (its HTTP/2 stream reset), so it will not carry it out later.
  const auto stats = s->devgw->control("STATS");
  REQUIRE(stats);
  CHECK(stats->find(" held=0 ") != std::string::npos);
  CHECK(stats->find(" cancelled=1 ") != std::string::npos);
  // The device got no answer and is still connected; its session goes on once EMQX does.
  CHECK_FALSE(dev->read_line(200ms).has_value());
  REQUIRE(s->devgw->control("RESUME"));
  REQUIRE(dev->write("PING\n"));
  CHECK(dev->read_line() == "PONG");
  CHECK(metric(*s, "exproto_sessions_active") == 1);
  CHECK(metric(*s, deadline_sends) == 1);
}

TEST_CASE("faults: SIGTERM under load, answers in flight are delivered and the host exits 0 within the grace period") {
  auto s = stack_or_fail({.devgw_args = {"--adapter-delay-ms", "300"},
                          .tweak_host = [](nlohmann::json& c) { c["shutdown"]["grace_ms"] = 3000; }});
  INFO(s->logs());
  std::vector<std::unique_ptr<Device>> devs;
  for (int i = 0; i < 10; ++i) devs.push_back(logged_in(s->device_port(), "busy-" + std::to_string(i)));
  for (auto& d : devs) REQUIRE(d->write("PING\n"));
  std::this_thread::sleep_for(50ms);  // the PINGs are in the host, their PONGs waiting on EMQX
  const auto term = Clock::now();
  const auto exit = s->host->terminate(15s);
  REQUIRE(exit);
  CHECK_MESSAGE(exit->clean(), exit->describe());
  CHECK(Clock::now() - term < 3s + 5s);
  for (auto& d : devs) CHECK(d->read_line(3s) == "PONG");  // nothing in flight was lost
}

TEST_CASE("faults: 10 000 devices reconnect at once after EMQX restarted, every one is served") {
  rlimit lim{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &lim) == 0);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  const std::size_t n = std::min<std::size_t>(10000, lim.rlim_cur > 2000 ? lim.rlim_cur - 1000 : 1000);
  auto s = stack_or_fail({.codecs = {"jsonframe"}, .tweak_host = [](nlohmann::json& c) {
                            c["log"]["level"] = "error";
                          }});
  INFO(s->logs());
  exproto::recovery::Fleet fleet(n);
  auto first = fleet.connect_all(s->device_port(), "fleet-", 120s);
  CHECK(first.connected == n);
  REQUIRE(metric_reaches(*s, "exproto_sessions_active", static_cast<double>(n), 20s));

  s->devgw->kill9();
  CHECK(fleet.wait_all_closed(30s) == n);
  const auto restarted = s->devgw->restart();
  REQUIRE_MESSAGE(restarted.has_value(), (restarted ? "" : restarted.error()));
  auto again = fleet.connect_all(s->device_port(), "fleet-", 120s);
  CHECK(again.connected == n);
  CHECK(again.failed == 0);
  // The old sessions are swept, the new ones are all there: no leak, no loss.
  CHECK(metric_reaches(*s, "exproto_sessions_swept_total", static_cast<double>(n), 60s));
  CHECK(metric_reaches(*s, "exproto_sessions_active", static_cast<double>(n), 10s));
  fleet.close_all();
  CHECK(metric_reaches(*s, "exproto_sessions_active", 0, 30s));
}

TEST_CASE("faults: a codec hook that never returns, other devices keep being served and SIGTERM still ends the host") {
  FixtureStack f("fault_spin", [](nlohmann::json& c) {
    c["sessions"]["hook_timeout_ms"] = 300;
    c["shutdown"]["grace_ms"] = 1000;
  });
  auto& s = f.stack;
  auto& stuck = f.device;
  INFO(s->logs());
  REQUIRE(stuck->write("FAULT\n"));  // the hook spins forever
  std::this_thread::sleep_for(500ms);
  CHECK(metric(*s, "exproto_hook_overruns_total") == 1);
  // Other devices of the same codec are still served.
  for (int i = 0; i < 3; ++i) {
    auto other = Device::connect(s->device_port());
    REQUIRE(other);
    REQUIRE(other->write("ping " + std::to_string(i) + "\n"));
    CHECK(other->read_line(3s) == "ping " + std::to_string(i));
  }
  const auto term = Clock::now();
  const auto exit = s->host->terminate(15s);
  REQUIRE(exit);
  CHECK_MESSAGE(exit->clean(), exit->describe());
  CHECK(Clock::now() - term < 1s + 3s);  // the grace period, then out without waiting for the hook
}

TEST_CASE("faults: SIGTERM while an isolated codec's child is still in a hook, the host exits within the grace period") {
  FixtureStack f("fault_slow", [](nlohmann::json& c) {
    c["routes"][0]["isolation"] = "process";
    c["sessions"]["hook_timeout_ms"] = 20000;
    c["shutdown"]["grace_ms"] = 500;
  });
  auto& s = f.stack;
  auto& dev = f.device;
  INFO(s->logs());
  REQUIRE(dev->write("FAULT 10000\n"));  // on the child's hook lane for 10 s; no host thread waits for it
  std::this_thread::sleep_for(300ms);
  const auto term = Clock::now();
  const auto exit = s->host->terminate(15s);
  REQUIRE(exit);
  CHECK_MESSAGE(exit->clean(), exit->describe());
  CHECK(Clock::now() - term < 500ms + 3s);  // the grace period, then out without waiting for the child
  CHECK(s->logs().find("still running after shutdown.grace_ms") != std::string::npos);
}
