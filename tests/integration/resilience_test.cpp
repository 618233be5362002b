// What must not take more than one connection down: malformed input, unrouted listeners,
// unknown conns after a host restart, many devices at once.
#include <doctest/doctest.h>

#include "harness.h"
#include "tcp_client.h"

using namespace itest;
namespace devgw = exproto::devgw;

TEST_CASE("resilience: a malformed frame closes that connection only") {
  Stack s;
  TcpClient bad(s.device_port());
  TcpClient good(s.device_port());
  good.write(connect_frame("good"));
  CHECK(good.read_n(19) == R"({"type":2,"code":0})");
  bad.write(R"({"type":3,"topic":}})");
  CHECK(bad.wait_closed());
  good.write(publish_frame("t/ok", "1"));
  CHECK(good.read_n(19) == R"({"type":4,"code":0})");
  CHECK(s.host().metrics().codec_failures.get() == 1);
}

TEST_CASE("resilience: a conn on a listener without route is closed with a logged reason") {
  Stack s({.listeners = {devgw::ListenerSpec{}, devgw::ListenerSpec{}}, .routes = {RouteSpec{0, "jsonframe"}}});
  TcpClient dev(s.device_port(1));
  dev.write("anything");
  CHECK(dev.wait_closed());
  CHECK(s.host().metrics().unrouted_conns.get() == 1);
}

TEST_CASE("resilience: after a host restart, an unknown conn is closed so the device reconnects") {
  Stack s;
  TcpClient dev(s.device_port());
  dev.write(connect_frame("restart-me"));
  CHECK(dev.read_n(19) == R"({"type":2,"code":0})");
  auto conn = s.gw().wait_for_conn(dev.local_port(), 3s);
  REQUIRE(conn);
  s.stop_host();
  s.start_host();
  dev.write(publish_frame("t/x", "after restart"));
  CHECK(dev.wait_closed(10s));
  CHECK(s.gw().wait_for_close(conn->conn, 5s) == "{shutdown,normal}");
  CHECK(s.host().metrics().unknown_conn_events.get() == 1);
  // A new connection works at once.
  TcpClient again(s.device_port());
  again.write(connect_frame("restart-me"));
  CHECK(again.read_n(19) == R"({"type":2,"code":0})");
}

TEST_CASE("resilience: many devices at once, each one's publishes in order") {
  Stack s;
  constexpr int kDevices = 50, kFrames = 20;
  std::vector<std::unique_ptr<TcpClient>> devs;
  for (int i = 0; i < kDevices; ++i) {
    devs.push_back(std::make_unique<TcpClient>(s.device_port()));
    devs.back()->write(connect_frame("many-" + std::to_string(i)));
  }
  for (auto& d : devs) REQUIRE(d->read_n(19) == R"({"type":2,"code":0})");
  for (int f = 0; f < kFrames; ++f)
    for (int i = 0; i < kDevices; ++i) devs[i]->write(publish_frame("m/" + std::to_string(i), std::to_string(f)));
  for (auto& d : devs) {
    auto acks = d->read_n(19 * kFrames);
    REQUIRE(acks);
  }
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == kDevices * kFrames);
  std::vector<int> next(kDevices, 0);
  for (const auto& p : r.publishes) {
    const int dev = std::stoi(p.topic.substr(2));
    CHECK(p.payload == std::to_string(next[dev]));
    ++next[dev];
  }
}

TEST_CASE("resilience: EMQX's adapter unreachable fails calls with a clear code, not a hang") {
  Stack s({.tweak_host = [](exproto::host::Config& c) {
    c.adapter.addresses = {"127.0.0.1:" + std::to_string(free_port())};
    c.adapter.timeout_ms = 2000;
  }});
  TcpClient dev(s.device_port());
  dev.write(connect_frame("lonely"));
  // Authenticate fails at transport level (code 100), and so do the CONNACK Send and the Close the
  // codec answers with: each is counted and logged, none hangs the session or the host.
  CHECK(wait_until([&] { return s.host().metrics().adapter_call_failures.get() >= 3; }, 8s));
  TcpClient other(s.device_port());
  other.write(connect_frame("lonely-2"));
  CHECK(wait_until([&] { return s.host().metrics().adapter_call_failures.get() >= 6; }, 8s));
}
