// Adapter slowness: Options::adapter_delay, set_adapter_delay and stall_adapter (a busy or a
// SIGSTOPped EMQX), and what the control port says about them.
#include "rig.hpp"

#include <chrono>
#include <future>
#include <thread>

using namespace devgw_test;
using Clock = std::chrono::steady_clock;

TEST_CASE("adapter delay: each answer comes after the delay, in arrival order, and devices are still served") {
  auto options = test_options();
  options.adapter_delay = 600ms;
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());  // OnSocketCreated is not delayed

  auto start = Clock::now();
  CHECK(rig.handler.send(conn, "a\n").code == 0);
  CHECK(Clock::now() - start >= 600ms);
  CHECK(dev.read_line() == "a");

  // Three calls from three threads, started 50 ms apart: answered in that order.
  std::vector<std::future<Reply>> calls;
  for (const std::string bytes : {"1\n", "2\n", "3\n"}) {
    calls.push_back(std::async(std::launch::async, [&rig, conn, bytes] { return rig.handler.send(conn, bytes); }));
    std::this_thread::sleep_for(50ms);
  }
  // The I/O thread is not blocked meanwhile: a new device is accepted and announced.
  TcpDevice other(rig.gw->listener_port(0));
  rig.conn_of(other.local_port());
  CHECK(calls.back().wait_for(0ms) == std::future_status::timeout);
  for (auto& call : calls) CHECK(call.get().code == 0);
  CHECK(dev.read_line() == "1");
  CHECK(dev.read_line() == "2");
  CHECK(dev.read_line() == "3");

  rig.gw->set_adapter_delay(0ms);
  start = Clock::now();
  CHECK(rig.handler.send(conn, "quick\n").code == 0);
  CHECK(Clock::now() - start < 400ms);
  CHECK(dev.read_line() == "quick");
}

TEST_CASE("adapter stall: calls are held until resumed, and a call given up meanwhile is not carried out") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());

  rig.gw->stall_adapter(true);
  auto held = std::async(std::launch::async, [&] { return rig.handler.send(conn, "held\n"); });
  REQUIRE(eventually([&] { return rig.gw->adapter_counters().held() == 1; }));
  CHECK(rig.gw->adapter_counters().received.at("Send") == 1);
  CHECK_FALSE(dev.read_line(300ms));  // nothing carried out while stalled
  CHECK(held.wait_for(0ms) == std::future_status::timeout);
  rig.gw->stall_adapter(false);
  CHECK(held.get().code == 0);
  CHECK(dev.read_line() == "held");

  // A client deadline passing while the call is held: EMQX is never asked to do it later.
  rig.gw->stall_adapter(true);
  const auto expired = rig.handler.send(conn, "too late\n", 200ms);
  CHECK(expired.grpc_status == 4);  // DEADLINE_EXCEEDED, at the client
  CHECK(eventually([&] { return rig.gw->adapter_counters().cancelled == 1; }));
  CHECK(rig.gw->adapter_counters().held() == 0);
  rig.gw->stall_adapter(false);
  CHECK(rig.handler.send(conn, "after\n").code == 0);
  CHECK(dev.read_line() == "after");  // "too late" never reached the device
  const auto counters = rig.gw->adapter_counters();
  CHECK(counters.cancelled == 1);
  CHECK(counters.received.at("Send") == 3);
  CHECK(counters.answered.at("Send") == 2);
  CHECK(counters.held() == 0);
  const auto r = rig.gw->snapshot();
  REQUIRE(r.adapter_calls.size() == 3);
  CHECK(r.adapter_calls[1].method == "Send");
  CHECK(r.adapter_calls[1].grpc_status == 1);  // recorded as CANCELLED, with no effect
  CHECK(r.adapter_calls[1].bytes == 9);
}

TEST_CASE("adapter stall: stop answers held calls UNAVAILABLE and is still prompt") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  rig.gw->stall_adapter(true);
  auto held = std::async(std::launch::async, [&] { return rig.handler.send(conn, "never\n"); });
  REQUIRE(eventually([&] { return rig.gw->adapter_counters().held() == 1; }));
  const auto start = Clock::now();
  rig.gw->stop();
  CHECK(Clock::now() - start < 3s);
  CHECK(held.get().grpc_status == 14);  // UNAVAILABLE
  CHECK(rig.gw->adapter_counters().abandoned == 1);
  CHECK(dev.wait_closed());
}

TEST_CASE("control port: DELAY, STALL, RESUME, LOSE_CLOSED and STATS") {
  auto options = test_options();
  options.control_bind = "127.0.0.1:0";
  Rig rig(options);
  TcpDevice console(*rig.gw->control_port());
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());

  console.write("STALL\n");
  CHECK(console.read_line() == "OK");
  auto held = std::async(std::launch::async, [&] { return rig.handler.send(conn, ""); });
  REQUIRE(eventually([&] { return rig.gw->adapter_counters().held() == 1; }));
  console.write("stats\n");
  const auto stalled = console.read_line();
  REQUIRE(stalled);
  CHECK(stalled->starts_with("OK live=1 held=1 delay_ms=0 stalled=1 lose_closed=0 zero_length_sends=1 "));
  CHECK(stalled->find(" received.Send=1") != std::string::npos);
  console.write("RESUME\n");
  CHECK(console.read_line() == "OK");
  CHECK(held.get().code == 0);

  console.write("DELAY 250\n");
  CHECK(console.read_line() == "OK");
  console.write("LOSE_CLOSED on\n");
  CHECK(console.read_line() == "OK");
  console.write("STATS\n");
  const auto stats = console.read_line();
  REQUIRE(stats);
  CHECK(stats->find(" delay_ms=250 stalled=0 lose_closed=1 ") != std::string::npos);
  CHECK(stats->find(" answered.Send=1") != std::string::npos);
  const auto start = Clock::now();
  CHECK(rig.handler.send(conn, "slow\n").code == 0);
  CHECK(Clock::now() - start >= 250ms);

  for (const char* bad : {"DELAY\n", "DELAY -1\n", "DELAY 5x\n", "LOSE_CLOSED maybe\n", "STALL now\n", "CRASH\n"}) {
    console.write(bad);
    const auto answer = console.read_line();
    REQUIRE(answer);
    CHECK_MESSAGE(answer->starts_with("ERR "), bad);
  }
  // The same lines work through Gateway::control (the executable's stdin).
  CHECK(rig.gw->control("DELAY 0") == "OK");
  CHECK(rig.gw->control("stats").find(" delay_ms=0 ") != std::string::npos);
  CHECK(rig.gw->control("nonsense").starts_with("ERR unknown command"));
}
