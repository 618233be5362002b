// The shipped jt808 codec in native mode through a real mosquitto: terminals built from the
// protocol's layout (tools/bench/jt808_devices) register, authenticate against the broker's
// password file, report locations that an ordinary MQTT client reads on the up topic, and get
// downlinks that client publishes on the down topic — EMQX's JT/T 808 gateway topics.
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
using exproto::bench::Jt808Frame;
using ntest::MqttProbe;

constexpr uint16_t kPlatformResponse = 0x8001, kRegisterAck = 0x8100, kAuthenticate = 0x0102, kLocation = 0x0200;
constexpr uint16_t kText = 0x8300;

const auto& terminals() {
  static const auto protocol = exproto::bench::make_jt808_devices();
  return *protocol;
}
// Terminal n's phone as the bench numbers them: 13800000000 + n, 12 digits.
std::string phone(std::size_t n) {
  const std::string digits = std::to_string(13800000000ULL + n);
  return std::string(12 - digits.size(), '0') + digits;
}
std::string up_topic(std::size_t n) { return "jt808/" + phone(n) + "/" + phone(n) + "/up"; }
std::string dn_topic(std::size_t n) { return "jt808/" + phone(n) + "/" + phone(n) + "/dn"; }

unsigned u16_at(const std::string& s, std::size_t i) {
  return static_cast<unsigned>(static_cast<unsigned char>(s[i]) << 8 | static_cast<unsigned char>(s[i + 1]));
}

// The platform's 0x8001 answering `id`: its result byte; -1 when the next frame is something else.
int general_response(ltest::TcpDevice& d, uint16_t id) {
  const auto f = ntest::read_jt808(d);
  if (!f || f->msg_id != kPlatformResponse || f->body.size() != 5 || u16_at(f->body, 2) != id) return -1;
  return static_cast<unsigned char>(f->body[4]);
}

// Register (0x0100) and authenticate (0x0102, code "anonymous"): the 0x8100 and then the 0x8001
// result of the authentication (0 = the broker accepted the MQTT CONNECT).
int login(ltest::TcpDevice& d, std::size_t n) {
  REQUIRE(d.send(terminals().login(n)));
  const auto reg = ntest::read_jt808(d);
  REQUIRE(reg);
  CHECK(reg->msg_id == kRegisterAck);
  return general_response(d, kAuthenticate);
}

int report(ltest::TcpDevice& d, std::size_t n, uint16_t serial) {
  REQUIRE(d.send(terminals().report(n, serial)));
  return general_response(d, kLocation);
}

// Terminal 1 may publish its up topic and read its down topic; terminal 3 only read; terminal 2
// is not in the password file. "watcher" is the application.
mqtt_test::BrokerOptions broker_options(bool persistence = false) {
  mqtt_test::BrokerOptions o;
  o.allow_anonymous = false;
  o.user = phone(1);
  o.password = "anonymous";
  o.more_users = {{phone(3), "anonymous"}, {"watcher", "wpw"}};
  o.acl = "user " + phone(1) + "\ntopic write " + up_topic(1) + "\ntopic read " + dn_topic(1) + "\n" +
          "user " + phone(3) + "\ntopic read " + dn_topic(3) + "\n" +
          "user watcher\ntopic read #\ntopic write jt808/#\n";
  o.persistence = persistence;
  return o;
}

std::unique_ptr<exproto::host::App> jt808_host(const mqtt_test::Mosquitto& broker, const std::string& version = "5",
                                               const std::string& extra_config = "") {
  return ntest::start_host(ntest::native_config({.broker = broker.address(),
                                                 .codec = "jt808",
                                                 .codec_config = R"({"auth": {"username": "${phone}"})" + extra_config + "}",
                                                 .mqtt_extra = R"(, "protocol_version": ")" + version + "\""}));
}

MqttProbe watcher(const mqtt_test::Mosquitto& broker, const std::string& id = "app", bool clean = true) {
  return MqttProbe(broker.port(), {.clientid = id, .username = "watcher", .password = "wpw", .clean_session = clean});
}

bool logged(const mqtt_test::Mosquitto& broker, const std::string& text) {
  return ntest::wait_until([&] { return broker.log().find(text) != std::string::npos; });
}

}  // namespace

TEST_SUITE("native jt808") {

TEST_CASE("jt808: authentication by the broker's password file, a refused terminal stays and may retry") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jt808_host(broker);
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice known(port), unknown(port);
  CHECK(login(known, 1) == 0);
  CHECK(login(unknown, 2) == 1);  // 0x8001 result 1: the broker refused the MQTT CONNECT
  CHECK(report(known, 1, 2) == 0);
  // The refused terminal keeps its connection (README: it may retry); its retry is refused again.
  REQUIRE(unknown.send(terminals().login(2)));
  CHECK(ntest::read_jt808(unknown)->msg_id == kRegisterAck);
  CHECK(general_response(unknown, kAuthenticate) == 1);
  CHECK(app->metrics().sessions_active.get() == 2);
}

TEST_CASE("jt808: location reports reach an MQTT subscriber on the up topic as EMQX's JSON") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jt808_host(broker);
  auto app_client = watcher(broker);
  REQUIRE(app_client.connack() == 0);
  REQUIRE(app_client.subscribe("jt808/+/+/up", 1) == 1);
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  CHECK(login(d, 1) == 0);
  for (uint16_t serial = 2; serial < 5; ++serial) CHECK(report(d, 1, serial) == 0);
  for (uint16_t serial = 2; serial < 5; ++serial) {
    auto m = app_client.next();
    REQUIRE(m);
    CHECK(m->topic == up_topic(1));
    CHECK(m->qos == 1);  // up_qos
    CHECK(m->payload.find(R"("msg_id":512)") != std::string::npos);
    CHECK(m->payload.find(R"("msg_sn":)" + std::to_string(serial)) != std::string::npos);
    CHECK(m->payload.find(R"("phone":")" + phone(1) + "\"") != std::string::npos);
    CHECK(m->payload.find(R"("mileage":)" + std::to_string(100000 + serial)) != std::string::npos);
  }
}

// mosquitto 2.0.11 denies the QoS 1 PUBLISH (MQTT 5: PUBACK 0x87; 3.1.1: a plain PUBACK, message
// dropped). The codec answers the terminal 0x8001 result 0 either way, as EMQX's gateway does
// (it answers once it has published, whatever the broker did with it); no subscriber sees it.
TEST_CASE("jt808: a report the broker's ACL denies, under MQTT 5 and 3.1.1") {
  for (const std::string version : {"5", "3.1.1"}) {
    CAPTURE(version);
    mqtt_test::Mosquitto broker(broker_options());
    auto app = jt808_host(broker, version);
    auto app_client = watcher(broker);
    REQUIRE(app_client.connack() == 0);
    REQUIRE(app_client.subscribe("#", 1) == 1);
    const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
    ltest::TcpDevice denied(port), allowed(port);
    CHECK(login(denied, 3) == 0);
    CHECK(login(allowed, 1) == 0);
    CHECK(report(denied, 3, 2) == 0);
    CHECK(logged(broker, "Denied PUBLISH from dev-" + phone(3)));
    CHECK(report(allowed, 1, 2) == 0);
    auto m = app_client.next();  // the first message the application sees is the allowed one
    REQUIRE(m);
    CHECK(m->topic == up_topic(1));
    CHECK(report(denied, 3, 3) == 0);  // the denied terminal stays connected
  }
}

TEST_CASE("jt808: a downlink an MQTT client publishes on the down topic reaches the terminal") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jt808_host(broker);
  auto app_client = watcher(broker);
  REQUIRE(app_client.connack() == 0);
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  CHECK(login(d, 1) == 0);
  // The codec subscribes the down topic after the authentication; wait for the broker's SUBACK.
  REQUIRE(logged(broker, "Sending SUBACK to dev-" + phone(1)));
  REQUIRE(app_client.publish(dn_topic(1), R"({"header":{"msg_id":33536},"body":{"flag":1,"text":"hello"}})", 1));
  const auto f = ntest::read_jt808(d);
  REQUIRE(f);
  CHECK(f->msg_id == kText);
  CHECK(f->phone == phone(1));
  CHECK(f->body == std::string("\x01hello"));
}

TEST_CASE("jt808: the codec's keepalive closes a silent terminal") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jt808_host(broker, "5", R"(, "keepalive": 1)");
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(login(d, 1) == 0);
  CHECK(d.read_until_closed(10s).has_value());
  CHECK(std::chrono::steady_clock::now() - t0 >= 1s);  // not before 1.5 × 1 s of silence could pass
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
}

TEST_CASE("jt808: a second terminal with the same phone takes the session over") {
  mqtt_test::Mosquitto broker(broker_options());
  auto app = jt808_host(broker);
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice first(port);
  CHECK(login(first, 1) == 0);
  ltest::TcpDevice second(port);
  CHECK(login(second, 1) == 0);
  CHECK(first.read_until_closed().has_value());
  CHECK(report(second, 1, 2) == 0);
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
}

TEST_CASE("jt808: a broker restart closes live terminals, acknowledged QoS 1 reports survive it") {
  mqtt_test::Mosquitto broker(broker_options(true));
  auto app = jt808_host(broker);
  {
    auto away = watcher(broker, "archiver", false);
    REQUIRE(away.connack() == 0);
    REQUIRE(away.subscribe("jt808/+/+/up", 1) == 1);
  }
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice d(port);
  CHECK(login(d, 1) == 0);
  CHECK(report(d, 1, 2) == 0);
  // The terminal's 0x8001 does not wait for the broker; its PUBACK to the host is in the broker's log.
  REQUIRE(logged(broker, "Sending PUBACK to dev-" + phone(1)));

  broker.stop();
  CHECK(d.read_until_closed().has_value());
  CHECK(ntest::wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
  broker.restart();

  auto back = watcher(broker, "archiver", false);
  REQUIRE(back.connack() == 0);
  CHECK(back.session_present());
  auto m = back.next();
  REQUIRE(m);
  CHECK(m->topic == up_topic(1));
  CHECK(m->payload.find(R"("msg_sn":2)") != std::string::npos);

  int result = -1;
  for (int i = 0; i < 20 && result != 0; ++i) {
    if (i > 0) std::this_thread::sleep_for(200ms);
    ltest::TcpDevice again(port);
    result = login(again, 1);
    if (result == 0) CHECK(report(again, 1, 3) == 0);
  }
  CHECK(result == 0);
}

}  // TEST_SUITE
