// The shipped jsonframe codec in native mode through a real mosquitto: what a device of EMQX's
// echo-server protocol sees (replies, deliveries, closes) and what an ordinary MQTT client of the
// same broker sees of it. The broker's password file and ACL are the authority, as EMQX's were.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "device_client.h"
#include "mosquitto.h"
#include "mqtt_probe.h"
#include "native_support.h"

namespace {

using namespace std::chrono_literals;
using ntest::MqttProbe;

const std::string kConnackOk = R"({"type":2,"code":0})";
const std::string kConnackRefused = R"({"type":2,"code":1})";
const std::string kPubackOk = R"({"type":4,"code":0})";
const std::string kPubackRefused = R"({"type":4,"code":1})";
const std::string kSubackOk = R"({"type":6,"code":0})";

// Devices "c1", "c2" may publish under up/ and read dn/; "watcher" is the application.
mqtt_test::BrokerOptions broker_options(bool persistence = false) {
  mqtt_test::BrokerOptions o;
  o.allow_anonymous = false;
  o.user = "dev-c1";
  o.password = "pw1";
  o.more_users = {{"dev-c2", "pw2"}, {"watcher", "wpw"}};
  o.acl =
      "user dev-c1\ntopic write up/#\ntopic read dn/#\n"
      "user dev-c2\ntopic write up/#\ntopic read dn/#\n"
      "user watcher\ntopic read #\ntopic write dn/#\n";
  o.persistence = persistence;
  return o;
}

std::unique_ptr<exproto::host::App> jsonframe_host(const mqtt_test::Mosquitto& broker, const std::string& version = "5") {
  return ntest::start_host(ntest::native_config(
      {.broker = broker.address(), .codec = "jsonframe", .mqtt_extra = R"(, "protocol_version": ")" + version + "\""}));
}

std::string connect_frame(const std::string& clientid, const std::string& user, const std::string& password,
                          int keepalive = 0) {
  return R"({"type":1,"clientinfo":{"proto_name":"jsonframe","clientid":")" + clientid + R"(","username":")" + user +
         R"(")" + (keepalive ? R"(,"keepalive":)" + std::to_string(keepalive) : std::string()) + R"(},"password":")" +
         password + R"("})";
}

std::string publish_frame(const std::string& topic, int qos, const std::string& payload) {
  return R"({"type":3,"topic":")" + topic + R"(","qos":)" + std::to_string(qos) + R"(,"payload":")" + payload + R"("})";
}

// Sends `frame` and returns the reply of the expected length `n`.
std::string ask(ltest::TcpDevice& d, const std::string& frame, std::size_t n = 19) {
  REQUIRE(d.send(frame));
  return ntest::read_bytes(d, n);
}

MqttProbe watcher(const mqtt_test::Mosquitto& broker, const std::string& id = "app", bool clean = true) {
  return MqttProbe(broker.port(), {.clientid = id, .username = "watcher", .password = "wpw", .clean_session = clean});
}

}  // namespace

TEST_SUITE("native jsonframe") {

TEST_CASE("jsonframe: the broker's password file decides CONNECT, a refused device is closed") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jsonframe_host(broker);
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice bad(port);
  CHECK(ask(bad, connect_frame("c1", "dev-c1", "wrong")) == kConnackRefused);
  CHECK(bad.read_until_closed() == "");  // the codec closes a refused device (README)
  ltest::TcpDevice good(port);
  CHECK(ask(good, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  CHECK(ask(good, publish_frame("up/c1", 1, "hello")) == kPubackOk);
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
}

TEST_CASE("jsonframe: QoS 0 and 1 publishes reach an MQTT subscriber, in order") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jsonframe_host(broker);
  auto app_client = watcher(broker);
  REQUIRE(app_client.connack() == 0);
  REQUIRE(app_client.subscribe("up/#", 1) == 1);
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  CHECK(ask(d, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  CHECK(ask(d, publish_frame("up/c1", 1, "one")) == kPubackOk);
  CHECK(ask(d, publish_frame("up/c1", 0, "two")) == kPubackOk);
  auto m1 = app_client.next();
  auto m2 = app_client.next();
  REQUIRE(m1);
  REQUIRE(m2);
  CHECK(m1->topic == "up/c1");
  CHECK(m1->payload == "one");
  CHECK(m1->qos == 1);
  CHECK(m2->payload == "two");
  CHECK(m2->qos == 0);
}

// mosquitto 2.0.11 and a QoS 1 PUBLISH its ACL denies: under MQTT 5 it answers PUBACK with reason
// 0x87 (not authorized), the host gives the codec PERMISSION_DENY and the device PUBACK code 1;
// under 3.1.1 a PUBACK has no reason code, so it answers a plain PUBACK and drops the message:
// the device gets PUBACK code 0. Either way no subscriber sees the message.
TEST_CASE("jsonframe: a publish the broker's ACL denies, under MQTT 5 and 3.1.1") {
  for (const std::string version : {"5", "3.1.1"}) {
    CAPTURE(version);
    mqtt_test::Mosquitto broker(broker_options());
    auto app = jsonframe_host(broker, version);
    auto app_client = watcher(broker);
    REQUIRE(app_client.connack() == 0);
    REQUIRE(app_client.subscribe("#", 1) == 1);
    ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
    CHECK(ask(d, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
    const std::string reply = ask(d, publish_frame("secret/c1", 1, "denied"));
    CHECK(reply == (version == "5" ? kPubackRefused : kPubackOk));
    CHECK(ntest::wait_until([&] { return broker.log().find("Denied PUBLISH from dev-c1") != std::string::npos; }));
    // mosquitto means 0x87 (135) under both versions; a 3.1.1 PUBACK cannot carry it, so there the
    // host reads a plain PUBACK (the device's code 0 above).
    CHECK_MESSAGE(broker.log().find("Sending PUBACK to dev-c1 (m1, rc135)") != std::string::npos, broker.log());
    // The device and its session stay; the next publish goes through, and it is the first thing
    // the subscriber gets: the denied one was dropped, not delayed.
    CHECK(ask(d, publish_frame("up/c1", 1, "allowed")) == kPubackOk);
    auto m = app_client.next();
    REQUIRE(m);
    CHECK(m->topic == "up/c1");
    CHECK(m->payload == "allowed");
  }
}

TEST_CASE("jsonframe: subscribe, deliveries from an MQTT client, unsubscribe") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jsonframe_host(broker);
  auto app_client = watcher(broker);
  REQUIRE(app_client.connack() == 0);
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  CHECK(ask(d, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  CHECK(ask(d, R"({"type":5,"topic":"dn/c1","qos":1})") == kSubackOk);
  REQUIRE(app_client.publish("dn/c1", "hello device", 1));
  const std::string delivery = R"({"type":3,"topic":"dn/c1","qos":1,"payload":"hello device"})";
  CHECK(ntest::read_bytes(d, delivery.size()) == delivery);
  REQUIRE(app_client.publish("dn/c1", "at most once", 0));
  const std::string qos0 = R"({"type":3,"topic":"dn/c1","qos":0,"payload":"at most once"})";
  CHECK(ntest::read_bytes(d, qos0.size()) == qos0);

  CHECK(ask(d, R"({"type":7,"topic":"dn/c1"})") == R"({"type":8,"code":0})");
  REQUIRE(app_client.publish("dn/c1", "not for you", 1));
  CHECK(ask(d, R"({"type":5,"topic":"dn/other","qos":0})") == kSubackOk);
  REQUIRE(app_client.publish("dn/other", "next", 1));
  // The first delivery after the unsubscribe is the one on the other topic.
  const std::string next = R"({"type":3,"topic":"dn/other","qos":0,"payload":"next"})";
  CHECK(ntest::read_bytes(d, next.size()) == next);
}

TEST_CASE("jsonframe: the keepalive the codec starts closes a silent device") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jsonframe_host(broker);
  ltest::TcpDevice quiet(static_cast<uint16_t>(app->listener_port(0)));
  ltest::TcpDevice talking(static_cast<uint16_t>(app->listener_port(0)));
  CHECK(ask(quiet, connect_frame("c1", "dev-c1", "pw1", 1)) == kConnackOk);
  CHECK(ask(talking, connect_frame("c2", "dev-c2", "pw2", 1)) == kConnackOk);
  // 1.5 × 1 s without a byte; the device that keeps sending stays.
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<std::string> closed;
  while (!closed && std::chrono::steady_clock::now() - t0 < 10s) {
    CHECK(ask(talking, publish_frame("up/c2", 0, "alive")) == kPubackOk);
    closed = quiet.read_until_closed(300ms);
  }
  REQUIRE(closed.has_value());
  CHECK(std::chrono::steady_clock::now() - t0 >= 1s);  // not before the keepalive could expire
  CHECK(*closed == "");  // what the codec sends from its keepalive hook is not delivered (EMQX)
  CHECK(ask(talking, publish_frame("up/c2", 1, "still here")) == kPubackOk);
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
}

TEST_CASE("jsonframe: a second device with the same clientid takes the session over") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jsonframe_host(broker);
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice first(port);
  CHECK(ask(first, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  ltest::TcpDevice second(port);
  CHECK(ask(second, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  CHECK(first.read_until_closed().has_value());
  CHECK(ask(second, publish_frame("up/c1", 1, "mine now")) == kPubackOk);
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
}

TEST_CASE("jsonframe: a broker restart closes live devices, acknowledged QoS 1 messages survive it") {
  mqtt_test::Mosquitto broker(broker_options(true));
  auto app = jsonframe_host(broker);
  {
    auto away = watcher(broker, "archiver", false);  // a persistent session, offline while devices publish
    REQUIRE(away.connack() == 0);
    REQUIRE(away.subscribe("up/#", 1) == 1);
  }
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice a(port), b(port);
  CHECK(ask(a, connect_frame("c1", "dev-c1", "pw1")) == kConnackOk);
  CHECK(ask(b, connect_frame("c2", "dev-c2", "pw2")) == kConnackOk);
  // PUBACK code 0 for QoS 1 = the broker's PUBACK reached the host.
  for (int i = 0; i < 3; ++i) CHECK(ask(a, publish_frame("up/c1", 1, "m" + std::to_string(i))) == kPubackOk);
  CHECK(ask(b, publish_frame("up/c2", 1, "b0")) == kPubackOk);

  broker.stop();  // an orderly broker restart: it saves its sessions
  CHECK(a.read_until_closed().has_value());  // every session's MQTT connection dropped: devices closed
  CHECK(b.read_until_closed().has_value());
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
  broker.restart();

  auto back = watcher(broker, "archiver", false);
  REQUIRE(back.connack() == 0);
  CHECK(back.session_present());
  std::vector<std::string> got;
  while (auto m = back.next(3s)) got.push_back(m->topic + " " + m->payload);
  CHECK(got == std::vector<std::string>{"up/c1 m0", "up/c1 m1", "up/c1 m2", "up/c2 b0"});

  // Devices come back once the broker is (the shared reconnect backoff may hold the first CONNECT).
  std::string reply;
  std::unique_ptr<ltest::TcpDevice> again;
  for (int i = 0; i < 20 && reply != kConnackOk; ++i) {
    if (i > 0) std::this_thread::sleep_for(200ms);
    again = std::make_unique<ltest::TcpDevice>(port);  // a refused CONNECT closes the device
    reply = ask(*again, connect_frame("c1", "dev-c1", "pw1"));
  }
  CHECK(reply == kConnackOk);
}

}  // TEST_SUITE
