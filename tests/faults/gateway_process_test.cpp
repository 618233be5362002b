// The harness proven on EMQX faults the host already survives: the exproto-devgw process
// killed and restarted, frozen, and answering late, while an exproto-host process serves a
// `line` route (CONNECT → Authenticate + "OK", PING → "PONG", both written with Send).
#include "device.h"
#include "process_stack.h"

#include <doctest/doctest.h>

#include <thread>

using namespace faults;
using Clock = std::chrono::steady_clock;

namespace {

// A new device that logs in and pings, answered "OK" and "PONG" through the host, within
// `within`; retried meanwhile, since how fast the host finds a restarted EMQX again is the
// host's policy, not what these tests are about.
bool served(std::uint16_t port, const std::string& clientid, std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    if (auto dev = Device::connect(port)) {
      if (dev->write("CONNECT " + clientid + "\n") && dev->read_line(3s) == "OK" && dev->write("PING\n") &&
          dev->read_line(3s) == "PONG")
        return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::unique_ptr<ProcessStack> stack_or_fail(StackSpec spec = {}) {
  auto stack = start_stack(std::move(spec));
  REQUIRE_MESSAGE(stack.has_value(), (stack ? "" : stack.error()));
  return std::move(*stack);
}

}  // namespace

TEST_CASE("faults: EMQX SIGKILLed and restarted on the same ports, reconnecting devices are served again") {
  auto s = stack_or_fail();
  INFO(s->logs());
  auto dev = Device::connect(s->device_port());
  REQUIRE(dev);
  REQUIRE(dev->write("CONNECT before-kill\n"));
  REQUIRE(dev->read_line() == "OK");

  s->devgw->kill9();
  CHECK(dev->wait_closed(5s));  // the kernel closed the device's socket with the process
  CHECK_FALSE(Device::connect(s->device_port(), 500ms));
  std::this_thread::sleep_for(300ms);
  CHECK(s->host->running());

  const auto restarted = s->devgw->restart();
  REQUIRE_MESSAGE(restarted.has_value(), (restarted ? "" : restarted.error()));
  CHECK(served(s->device_port(), "after-restart", 30s));
  CHECK(s->host->running());
  const auto metrics = s->host->metrics();
  REQUIRE_MESSAGE(metrics.has_value(), (metrics ? "" : metrics.error()));
  CHECK(metrics->contains("exproto_sessions_active"));

  const auto exit = s->host->terminate(15s);
  REQUIRE(exit);
  CHECK_MESSAGE(exit->clean(), exit->describe());
}

TEST_CASE("faults: EMQX frozen with SIGSTOP for 2 s, the host survives and devices are served afterwards") {
  auto s = stack_or_fail();
  INFO(s->logs());
  auto dev = Device::connect(s->device_port());
  REQUIRE(dev);
  REQUIRE(dev->write("CONNECT stays\n"));
  REQUIRE(dev->read_line() == "OK");

  REQUIRE(s->devgw->pause());
  CHECK_FALSE(s->devgw->control("STATS", 300ms));  // frozen for real
  REQUIRE(dev->write("PING\n"));  // waits in the frozen gateway's socket
  std::this_thread::sleep_for(2s);
  CHECK(s->host->running());
  const auto during = s->host->metrics();  // the host still answers its operator
  CHECK_MESSAGE(during.has_value(), (during ? "" : during.error()));
  CHECK_FALSE(dev->read_line(100ms));

  REQUIRE(s->devgw->resume());
  CHECK(dev->read_line(10s) == "PONG");  // the device that stayed connected gets its answer
  CHECK(served(s->device_port(), "after-freeze", 10s));
  CHECK(s->host->running());
}

TEST_CASE("faults: a gateway started with --adapter-delay-ms answers late, DELAY, STALL and RESUME switch it live") {
  auto s = stack_or_fail({.devgw_args = {"--adapter-delay-ms", "500"}});
  INFO(s->logs());
  auto dev = Device::connect(s->device_port());
  REQUIRE(dev);
  auto start = Clock::now();
  REQUIRE(dev->write("CONNECT slow\n"));
  CHECK(dev->read_line(10s) == "OK");
  CHECK(Clock::now() - start >= 1000ms);  // Authenticate, then the Send of "OK": 500 ms each

  start = Clock::now();
  REQUIRE(dev->write("PING\n"));
  CHECK(dev->read_line(10s) == "PONG");
  CHECK(Clock::now() - start >= 500ms);
  auto stats = s->devgw->stats();
  REQUIRE_MESSAGE(stats.has_value(), (stats ? "" : stats.error()));
  CHECK((*stats)["delay_ms"] == 500);
  CHECK((*stats)["received.Authenticate"] == 1);
  CHECK((*stats)["received.Send"] == 2);

  REQUIRE(s->devgw->control("DELAY 0") == "OK");
  start = Clock::now();
  REQUIRE(dev->write("PING\n"));
  CHECK(dev->read_line(10s) == "PONG");
  CHECK(Clock::now() - start < 500ms);

  REQUIRE(s->devgw->control("STALL") == "OK");
  REQUIRE(dev->write("PING\n"));
  CHECK_FALSE(dev->read_line(700ms));
  stats = s->devgw->stats();
  REQUIRE(stats.has_value());
  CHECK((*stats)["stalled"] == 1);
  CHECK((*stats)["held"] == 1);
  REQUIRE(s->devgw->control("RESUME") == "OK");
  CHECK(dev->read_line(10s) == "PONG");
}
