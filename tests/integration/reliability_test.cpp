// Reliability against a misbehaving EMQX, in-process host behind the development gateway over
// real gRPC and real device sockets: EMQX killed and restarted, the ConnectionAdapter on another
// node (failover), and calls while EMQX is unreachable (fail fast or hold).
#include <doctest/doctest.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "harness.h"
#include "host/adapter/adapter_client.h"
#include "host/metrics/metrics.h"
#include "tcp_client.h"

using namespace itest;
namespace devgw = exproto::devgw;
namespace host = exproto::host;

namespace {
constexpr const char* kConnackOk = R"({"type":2,"code":0})";

void connect_ok(TcpClient& c, const std::string& clientid) {
  c.write(connect_frame(clientid));
  auto got = c.read_n(std::string(kConnackOk).size(), 10s);
  REQUIRE_MESSAGE(got.has_value(), "no CONNACK for " << clientid << ", got " << c.pending());
  CHECK(*got == kConnackOk);
}

// A call made straight through an AdapterClient: its result and when it came.
struct Outcome {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<host::UpstreamResult> r;
  std::chrono::steady_clock::time_point at;
};

std::shared_ptr<Outcome> start_call(host::AdapterClient& client, host::UpstreamCall call) {
  auto o = std::make_shared<Outcome>();
  client.call(std::move(call), [o](host::UpstreamResult r) {
    std::lock_guard lk(o->mu);
    o->r = std::move(r);
    o->at = std::chrono::steady_clock::now();
    o->cv.notify_all();
  });
  return o;
}

const host::UpstreamResult& wait_for(Outcome& o, std::chrono::milliseconds timeout = 10s) {
  std::unique_lock lk(o.mu);
  REQUIRE(o.cv.wait_for(lk, timeout, [&] { return o.r.has_value(); }));
  return *o.r;
}

host::UpstreamResult call_and_wait(host::AdapterClient& client, host::UpstreamCall call,
                                   std::chrono::milliseconds timeout = 10s) {
  auto o = start_call(client, std::move(call));
  return wait_for(*o, timeout);
}

// An adapter client's config for the stack's gateway, with that call timeout.
host::AdapterConfig adapter_of(Stack& s, std::chrono::milliseconds timeout) {
  host::AdapterConfig config;
  config.addresses = {s.gw().adapter_address()};
  config.timeout_ms = static_cast<uint32_t>(timeout.count());
  return config;
}

host::UpstreamCall send_to(std::string conn) {
  host::UpstreamCall c;
  c.kind = EXPROTO_CALL_SEND;
  c.conn = std::move(conn);
  return c;
}
}  // namespace

TEST_CASE("reliability: EMQX killed and restarted under live devices, the sessions it forgot are swept") {
  Stack s({.tweak_host = [](host::Config& c) {
    c.adapter.reconnect_max_ms = 300;
    c.sessions.probe_idle_s = 0;  // only the recovery sweep may end them
  }});
  auto& m = s.host().metrics();
  constexpr int kDevices = 20;
  std::vector<std::unique_ptr<TcpClient>> devs;
  for (int i = 0; i < kDevices; ++i) {
    devs.push_back(std::make_unique<TcpClient>(s.device_port()));
    connect_ok(*devs.back(), "dev-" + std::to_string(i));
  }
  REQUIRE(wait_until([&] { return m.sessions_active.get() == kDevices; }));
  REQUIRE(wait_until([&] { return m.adapter_ready.get() == 1; }));

  s.kill_gateway();
  for (auto& d : devs) CHECK(d->wait_closed(5s));
  REQUIRE(wait_until([&] { return m.adapter_ready.get() == 0; }, 5s));
  // No OnSocketClosed came: without reconciliation these would live forever.
  CHECK(m.sessions_active.get() == kDevices);
  CHECK(health_check(s.host_config().handler.bind) == std::string("\x08\x02"));  // NOT_SERVING

  s.restart_gateway();
  REQUIRE(wait_until([&] { return m.adapter_recoveries.get() == 1; }, 10s));
  CHECK(health_check(s.host_config().handler.bind) == std::string("\x08\x01"));  // SERVING again
  REQUIRE(wait_until([&] { return m.sessions_active.get() == 0; }, 10s));
  CHECK(m.sessions_swept.get() == kDevices);

  // Devices reconnecting to the restarted EMQX are served at once.
  TcpClient back(s.device_port());
  connect_ok(back, "dev-back");
  CHECK(m.sessions_active.get() == 1);
}

TEST_CASE("reliability: a live idle device is never closed by probing") {
  Stack s({.tweak_host = [](host::Config& c) { c.sessions.probe_idle_s = 1; }});
  auto& m = s.host().metrics();
  TcpClient dev(s.device_port());
  connect_ok(dev, "quiet");
  REQUIRE(wait_until([&] { return m.probes_sent.get() >= 2; }, 8s));
  CHECK(m.sessions_active.get() == 1);
  CHECK(m.sessions_swept.get() == 0);
  // Probes wrote nothing to the device, and it is still served.
  dev.write(publish_frame("t/q", "still", 1));
  auto ack = dev.read_n(std::string(R"({"type":4,"code":0})").size());
  REQUIRE(ack.has_value());
  CHECK(*ack == R"({"type":4,"code":0})");
}

TEST_CASE("reliability: calls fail over to the next ConnectionAdapter address") {
  const uint16_t dead = free_port();
  Stack s({.tweak_host = [dead](host::Config& c) {
    c.adapter.addresses.insert(c.adapter.addresses.begin(), "127.0.0.1:" + std::to_string(dead));
    c.adapter.reconnect_max_ms = 300;
  }});
  // Once the first node is known to be down, calls go to the second.
  REQUIRE(wait_until(
      [&] {
        const auto st = s.host().adapter_status();
        return st.size() == 2 && st[0].second == "unreachable" && st[1].second == "reachable";
      },
      5s));
  CHECK(s.host().metrics().adapter_ready.get() == 1);
  TcpClient dev(s.device_port());
  connect_ok(dev, "failover");
}

TEST_CASE("reliability: while EMQX is unreachable calls fail at once (adapter.when_unavailable = fail)") {
  host::Metrics metrics;
  host::AdapterConfig config;
  config.addresses = {"127.0.0.1:" + std::to_string(free_port())};
  config.reconnect_max_ms = 200;
  host::AdapterClient client(config, grpc::InsecureChannelCredentials(), metrics);
  REQUIRE(wait_until([&] { return client.status()[0].state == "unreachable"; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = call_and_wait(client, send_to("x"));
  CHECK(r.code == EXPROTO_RESULT_HOST_UNAVAILABLE);
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(metrics.adapter_calls_failed_fast.get() == 1);
  CHECK_FALSE(client.ready());
}

TEST_CASE("reliability: with when_unavailable = hold a call waits for EMQX to come back") {
  const uint16_t port = free_port();
  host::Metrics metrics;
  host::AdapterConfig config;
  config.addresses = {"127.0.0.1:" + std::to_string(port)};
  config.reconnect_min_ms = 50;
  config.reconnect_max_ms = 200;
  config.when_unavailable = host::WhenUnavailable::hold;
  config.hold_ms = 8000;
  host::AdapterClient client(config, grpc::InsecureChannelCredentials(), metrics);
  REQUIRE(wait_until([&] { return client.status()[0].state == "unreachable"; }, 5s));
  std::unique_ptr<devgw::Gateway> gw;
  std::thread bring_back([&] {
    std::this_thread::sleep_for(1s);
    devgw::Options o;
    o.listeners = {devgw::ListenerSpec{}};
    o.adapter_bind = "127.0.0.1:" + std::to_string(port);
    o.log_level = spdlog::level::warn;
    auto started = devgw::Gateway::start(o);
    REQUIRE(started.has_value());
    gw = std::move(*started);
  });
  // A conn id of an unknown pid: EMQX (the gateway) answers, so the call did reach it.
  auto r = call_and_wait(client, send_to("g3AAAAA="));
  bring_back.join();
  CHECK(r.code != EXPROTO_RESULT_HOST_UNAVAILABLE);
  CHECK(r.code != EXPROTO_RESULT_HOST_DEADLINE);
  CHECK(metrics.adapter_recoveries.get() == 1);
  // A held call is counted once, when it ends, however long it waited.
  uint64_t sends = 0;
  for (const auto& by_result : metrics.adapter_calls_by[EXPROTO_CALL_SEND]) sends += by_result.get();
  CHECK(sends == 1);
  CHECK(client.ready());

  // And past hold_ms a held call gives up with HOST_UNAVAILABLE.
  gw->crash();
  REQUIRE(wait_until([&] { return !client.ready(); }, 5s));
  gw.reset();
  host::AdapterConfig short_hold = config;
  short_hold.hold_ms = 300;
  host::AdapterClient impatient(short_hold, grpc::InsecureChannelCredentials(), metrics);
  REQUIRE(wait_until([&] { return impatient.status()[0].state == "unreachable"; }, 5s));
  const auto t0 = std::chrono::steady_clock::now();
  auto gave_up = call_and_wait(impatient, send_to("x"));
  CHECK(gave_up.code == EXPROTO_RESULT_HOST_UNAVAILABLE);
  CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
}

TEST_CASE("reliability: a call's deadline counts from when it was made, not when it was sent") {
  Stack s;
  host::Metrics metrics;
  host::AdapterClient client(adapter_of(s, 200ms), grpc::InsecureChannelCredentials(), metrics);
  auto call = send_to("x");
  call.queued_at = std::chrono::steady_clock::now() - 500ms;  // waited in a session's queue
  auto r = call_and_wait(client, std::move(call));
  CHECK(r.code == EXPROTO_RESULT_HOST_DEADLINE);
  CHECK(s.gw().snapshot().adapter_calls.empty());  // never sent
}

TEST_CASE("reliability: a call EMQX never answers is cancelled at its deadline, a later call with an earlier one first") {
  Stack s;
  host::Metrics metrics;
  host::AdapterClient client(adapter_of(s, 1500ms), grpc::InsecureChannelCredentials(), metrics);
  // Connected first: a call made while connecting has its deadline cut to 1 s.
  REQUIRE(call_and_wait(client, send_to("g3AAAAA=")).code != EXPROTO_RESULT_HOST_DEADLINE);
  // Past that call's deadline: the deadline thread now sleeps with nothing to wait for, so only a
  // new call can wake it.
  std::this_thread::sleep_for(1600ms);

  s.gw().stall_adapter(true);
  const auto t0 = std::chrono::steady_clock::now();
  auto later = start_call(client, send_to("g3AAAAA="));  // deadline t0 + 1.5 s
  auto sooner_call = send_to("g3AAAAA=");
  sooner_call.queued_at = t0 - 1200ms;  // waited in a session's queue: deadline t0 + 0.3 s
  auto sooner = start_call(client, std::move(sooner_call));
  wait_for(*sooner);
  wait_for(*later);
  CHECK(sooner->r->code == EXPROTO_RESULT_HOST_DEADLINE);
  CHECK(later->r->code == EXPROTO_RESULT_HOST_DEADLINE);
  CHECK(sooner->r->message.find("adapter.timeout_ms 1500 ms") != std::string::npos);
  // Each at its own deadline: the sooner one did not wait for the one made before it.
  CHECK(sooner->at - t0 >= 250ms);
  CHECK(sooner->at - t0 < 1200ms);
  CHECK(later->at - t0 >= 1450ms);
  CHECK(later->at - t0 < 5s);
  // EMQX saw both calls given up (the HTTP/2 stream reset), so it never carries them out later.
  CHECK(wait_until([&] { return s.gw().adapter_counters().cancelled == 2; }, 5s));
  CHECK(s.gw().adapter_counters().held() == 0);
  CHECK(metrics.adapter_calls_by[EXPROTO_CALL_SEND][7].get() == 2);  // HOST_DEADLINE
  s.gw().stall_adapter(false);
  CHECK(call_and_wait(client, send_to("g3AAAAA=")).code != EXPROTO_RESULT_HOST_DEADLINE);
}
