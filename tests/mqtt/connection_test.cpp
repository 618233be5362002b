// MqttConnection against a real mosquitto (and a scripted fake for silence): CONNECT, QoS 0/1/2
// both ways, acknowledgement only when handled, keepalive, loss, DISCONNECT, queue bound.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "fake_broker.h"
#include "host/mqtt/mqtt_connection.h"
#include "loop.h"
#include "mosquitto.h"

using namespace exproto::host::mqtt;
using namespace mqtt_test;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

std::vector<net::ip::tcp::endpoint> at(uint16_t port) { return {{net::ip::address_v4::loopback(), port}}; }

// One client with everything it saw recorded.
struct Client {
  Client(net::io_context& io, MqttConnectionOptions o, bool auto_ack = true) : auto_ack(auto_ack) {
    MqttConnection::Callbacks cb;
    cb.messages = [this](MqttConnection& from, std::vector<Publish> p, DeliveryAcks acks) {
      for (auto& m : p) got.push_back(std::move(m));
      if (this->auto_ack) from.acknowledge(acks);
      else pending.push_back(std::move(acks));
    };
    cb.ended = [this](MqttConnection&, const std::string& r) { ended = r; };
    conn = std::make_shared<MqttConnection>(io.get_executor(), nullptr, std::move(o), std::move(cb));
  }
  bool auto_ack;
  std::shared_ptr<MqttConnection> conn;
  std::vector<Publish> got;
  std::vector<DeliveryAcks> pending;
  std::string ended;
};

MqttConnectionOptions opts(std::string clientid, ProtocolVersion v = ProtocolVersion::v5) {
  MqttConnectionOptions o;
  o.version = v;
  o.clientid = std::move(clientid);
  o.keepalive_s = 30;
  o.connect_timeout = 3s;
  return o;
}

std::optional<MqttResult> connect(net::io_context& io, Client& c, uint16_t port) {
  std::optional<MqttResult> r;
  c.conn->connect(at(port), [&](MqttResult x) { r = std::move(x); });
  run_until(io, [&] { return r.has_value(); });
  return r;
}

}  // namespace

TEST_CASE("mqtt connection: QoS 0, 1 and 2 both ways against mosquitto, MQTT 5 and 3.1.1") {
  Mosquitto broker;
  for (auto v : {ProtocolVersion::v5, ProtocolVersion::v3_1_1}) {
    CAPTURE(static_cast<int>(v));
    net::io_context io;
    Client c(io, opts("roundtrip", v));
    auto r = connect(io, c, broker.port());
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == MqttResult::Status::ok, r->text);
    CHECK(c.conn->connected());

    std::optional<MqttResult> sub;
    c.conn->subscribe("t/#", 2, [&](MqttResult x) { sub = x; });
    REQUIRE(run_until(io, [&] { return sub.has_value(); }));
    CHECK(sub->status == MqttResult::Status::ok);
    CHECK(sub->code == 2);  // granted QoS 2

    std::vector<MqttResult> pubs;
    for (uint8_t qos = 0; qos <= 2; ++qos) {
      c.conn->publish("t/" + std::to_string(qos), "payload " + std::to_string(qos), qos, [&](MqttResult x) { pubs.push_back(x); });
    }
    REQUIRE(run_until(io, [&] { return pubs.size() == 3 && c.got.size() == 3; }));
    for (const auto& p : pubs) CHECK_MESSAGE(p.status == MqttResult::Status::ok, p.text);
    for (uint8_t qos = 0; qos <= 2; ++qos) {
      CHECK(c.got[qos].topic == "t/" + std::to_string(qos));
      CHECK(c.got[qos].payload == "payload " + std::to_string(qos));
      CHECK(c.got[qos].qos == qos);
    }

    std::optional<MqttResult> unsub;
    c.conn->unsubscribe("t/#", [&](MqttResult x) { unsub = x; });
    REQUIRE(run_until(io, [&] { return unsub.has_value(); }));
    CHECK(unsub->status == MqttResult::Status::ok);
    // Unsubscribing what is not subscribed: MQTT 5 answers 0x11, still a success.
    c.conn->unsubscribe("never/subscribed", [&](MqttResult x) { unsub = x; });
    unsub.reset();
    REQUIRE(run_until(io, [&] { return unsub.has_value(); }));
    CHECK(unsub->status == MqttResult::Status::ok);
    if (v == ProtocolVersion::v5) CHECK(unsub->code == 0x11);

    c.conn->close(false);
    run_for(io, 50ms);
    CHECK(c.ended.empty());  // close() is ours: no `ended`
  }
}

TEST_CASE("mqtt connection: operations started before CONNACK wait for it, in call order") {
  Mosquitto broker;
  net::io_context io;
  Client c(io, opts("early"));
  std::vector<std::string> order;
  c.conn->subscribe("e/#", 1, [&](MqttResult r) { order.push_back(r.status == MqttResult::Status::ok ? "sub" : r.text); });
  c.conn->publish("e/1", "x", 1, [&](MqttResult r) { order.push_back(r.status == MqttResult::Status::ok ? "pub" : r.text); });
  auto r = connect(io, c, broker.port());
  REQUIRE(r);
  CHECK(r->status == MqttResult::Status::ok);
  REQUIRE(run_until(io, [&] { return order.size() == 2 && c.got.size() == 1; }));
  CHECK(order == std::vector<std::string>{"sub", "pub"});
}

TEST_CASE("mqtt connection: QoS 1 deliveries are acknowledged only when handled, bounded by receive maximum") {
  Mosquitto broker;
  net::io_context io;
  auto o = opts("slow-device");
  o.receive_maximum = 2;
  Client slow(io, o, /*auto_ack=*/false);
  REQUIRE(connect(io, slow, broker.port())->status == MqttResult::Status::ok);
  std::optional<MqttResult> sub;
  slow.conn->subscribe("bp/#", 1, [&](MqttResult x) { sub = x; });
  REQUIRE(run_until(io, [&] { return sub.has_value(); }));

  Client pub(io, opts("publisher"));
  REQUIRE(connect(io, pub, broker.port())->status == MqttResult::Status::ok);
  int acked = 0;
  for (int i = 0; i < 5; ++i) pub.conn->publish("bp/" + std::to_string(i), "m", 1, [&](MqttResult) { ++acked; });
  REQUIRE(run_until(io, [&] { return acked == 5 && slow.got.size() >= 2; }));
  run_for(io, 300ms);
  CHECK(slow.got.size() == 2);  // the broker holds the rest back until we acknowledge
  // Handling releases the next ones; acknowledging each batch as it comes drains all five.
  while (!slow.pending.empty() || slow.got.size() < 5) {
    if (slow.pending.empty()) {
      REQUIRE_MESSAGE(run_until(io, [&] { return !slow.pending.empty(); }, 3s), slow.got.size() << "\n" << broker.log());
      continue;
    }
    auto acks = std::move(slow.pending.front());
    slow.pending.erase(slow.pending.begin());
    slow.conn->acknowledge(acks);
    run_for(io, 20ms);
  }
  CHECK(slow.got.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(slow.got[i].topic == "bp/" + std::to_string(i));
}

TEST_CASE("mqtt connection: keepalive PINGREQs keep an idle connection open") {
  Mosquitto broker;
  net::io_context io;
  auto o = opts("idle");
  o.keepalive_s = 1;
  Client c(io, o);
  REQUIRE(connect(io, c, broker.port())->status == MqttResult::Status::ok);
  // mosquitto drops a client silent for 1.5 × keepalive; 3.5 s is more than two of those.
  run_for(io, 3500ms);
  CHECK(c.ended.empty());
  CHECK(c.conn->connected());
  std::optional<MqttResult> p;
  c.conn->publish("still/here", "x", 1, [&](MqttResult x) { p = x; });
  REQUIRE(run_until(io, [&] { return p.has_value(); }));
  CHECK(p->status == MqttResult::Status::ok);
}

TEST_CASE("mqtt connection: a missing PINGRESP ends the connection as connection_lost") {
  net::io_context io;
  FakeBroker fake(io, FakeBroker::Mode::connack_then_silent);
  auto o = opts("no-pingresp");
  o.keepalive_s = 1;
  Client c(io, o);
  REQUIRE(connect(io, c, fake.port())->status == MqttResult::Status::ok);
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(run_until(io, [&] { return !c.ended.empty(); }, 5s));
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(c.ended == "mqtt:connection_lost");
  CHECK(took >= 2000ms);  // PINGREQ after 1 s, then 1.5 s without PINGRESP
  CHECK(took < 4000ms);
  CHECK(fake.received().find(std::string("\xC0\x00", 2)) != std::string::npos);
}

TEST_CASE("mqtt connection: no CONNACK within connect_timeout, or nobody listening, is unavailable") {
  net::io_context io;
  FakeBroker fake(io, FakeBroker::Mode::silent);
  auto o = opts("timeout");
  o.connect_timeout = 300ms;
  Client c(io, o);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = connect(io, c, fake.port());
  REQUIRE(r);
  CHECK(r->status == MqttResult::Status::unavailable);
  CHECK(r->text == "mqtt:connect_timeout");
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);

  Client d(io, opts("refused-port"));
  r = connect(io, d, free_loopback_port());
  REQUIRE(r);
  CHECK(r->status == MqttResult::Status::unavailable);
  CHECK(r->text.starts_with("mqtt:unreachable"));
}

TEST_CASE("mqtt connection: the broker killed with operations in flight fails them, then ends the connection") {
  Mosquitto broker;
  net::io_context io;
  Client c(io, opts("victim"));
  REQUIRE(connect(io, c, broker.port())->status == MqttResult::Status::ok);
  broker.kill();
  std::optional<MqttResult> p;
  c.conn->publish("x", "y", 1, [&](MqttResult x) { p = x; });
  REQUIRE(run_until(io, [&] { return p.has_value() && !c.ended.empty(); }));
  CHECK(p->status == MqttResult::Status::unavailable);
  CHECK(c.ended == "mqtt:connection_lost");
  // Later operations fail at once; nothing is reconnected.
  std::optional<MqttResult> q;
  c.conn->publish("x", "y", 0, [&](MqttResult x) { q = x; });
  CHECK(q.has_value());
  CHECK(q->status == MqttResult::Status::unavailable);
}

TEST_CASE("mqtt connection: a second client with the same clientid takes the session over") {
  Mosquitto broker;
  net::io_context io;
  Client first(io, opts("same-id"));
  REQUIRE(connect(io, first, broker.port())->status == MqttResult::Status::ok);
  Client second(io, opts("same-id"));
  REQUIRE(connect(io, second, broker.port())->status == MqttResult::Status::ok);
  REQUIRE(run_until(io, [&] { return !first.ended.empty(); }));
  // mosquitto 2.0.11 closes the old connection without the DISCONNECT 0x8E that MQTT 5 asks
  // for (checked with a raw socket), so it can only look like a lost connection; a broker that
  // sends it gets "mqtt:session_taken_over" (next test).
  CHECK(first.ended == "mqtt:connection_lost");
  run_for(io, 300ms);
  CHECK(second.ended.empty());  // and nothing reconnected the first to knock the second off
  CHECK(second.conn->connected());
}

TEST_CASE("mqtt connection: a broker DISCONNECT is reported with its reason name") {
  for (auto [code, name] : {std::pair<uint8_t, const char*>{0x8E, "mqtt:session_taken_over"},
                            {0x8B, "mqtt:server_shutting_down"}, {0x87, "mqtt:not_authorized"}, {0x9C, "mqtt:use_another_server"}}) {
    CAPTURE(name);
    net::io_context io;
    FakeBroker fake(io, FakeBroker::Mode::connack_then_disconnect, code);
    Client c(io, opts("kicked"));
    REQUIRE(connect(io, c, fake.port())->status == MqttResult::Status::ok);
    std::optional<MqttResult> p;
    c.conn->publish("x", "y", 1, [&](MqttResult x) { p = x; });  // the fake answers it with DISCONNECT
    REQUIRE(run_until(io, [&] { return p.has_value() && !c.ended.empty(); }));
    CHECK(p->status == MqttResult::Status::unavailable);
    CHECK(c.ended == name);
  }
}

TEST_CASE("mqtt connection: the write queue is bounded in bytes") {
  Mosquitto broker;
  net::io_context io;
  auto o = opts("burst");
  o.max_queued_bytes = 1000;
  Client c(io, o);
  REQUIRE(connect(io, c, broker.port())->status == MqttResult::Status::ok);
  std::vector<MqttResult> r;
  // The first is being written (nothing ran the loop yet), the second does not fit beside it.
  c.conn->publish("q", std::string(900, 'a'), 0, [&](MqttResult x) { r.push_back(x); });
  c.conn->publish("q", std::string(900, 'b'), 0, [&](MqttResult x) { r.push_back(x); });
  REQUIRE(run_until(io, [&] { return r.size() == 2 && !c.ended.empty(); }));
  CHECK(r[0].status == MqttResult::Status::unavailable);  // the refused one answers first, at once
  CHECK(r[0].text == "mqtt:write_queue_full");
  CHECK(c.ended == "mqtt:write_queue_full");
}

TEST_CASE("mqtt connection: invalid topics are refused before they reach the broker") {
  Mosquitto broker;
  net::io_context io;
  Client c(io, opts("topics"));
  REQUIRE(connect(io, c, broker.port())->status == MqttResult::Status::ok);
  std::vector<MqttResult> r;
  c.conn->publish("a/+/b", "x", 0, [&](MqttResult x) { r.push_back(x); });
  c.conn->publish("", "x", 0, [&](MqttResult x) { r.push_back(x); });
  c.conn->subscribe("a/#/b", 0, [&](MqttResult x) { r.push_back(x); });
  c.conn->subscribe("a/b+", 0, [&](MqttResult x) { r.push_back(x); });
  REQUIRE(r.size() == 4);
  for (const auto& x : r) CHECK(x.status == MqttResult::Status::refused);
  c.conn->publish("fine", "x", 1, [&](MqttResult x) { r.push_back(x); });
  REQUIRE(run_until(io, [&] { return r.size() == 5; }));
  CHECK(r[4].status == MqttResult::Status::ok);  // the connection survived
}
