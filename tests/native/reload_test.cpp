// Hot reload in native mode: a rebuilt codec .so is renamed over the one in the plugins folder
// while devices are connected and authenticated. Their sockets and their MQTT sessions at the
// broker stay (no second CONNECT), their sessions migrate to the new generation, and messages keep
// flowing both ways. The "rebuild" is the shipped library with bytes appended: a new SHA-256, as a
// real rebuild gives, while the ELF loader ignores the tail (as tests/reload does in exproto mode).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "device_client.h"
#include "host/reload/reloader.h"
#include "http_client.h"
#include "mosquitto.h"
#include "mqtt_probe.h"
#include "native_support.h"

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class PluginsDir {
 public:
  explicit PluginsDir(const std::string& codec) : codec_(codec) {
    std::string templ = "/tmp/native-plugins-XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    path_ = templ;
    fs::copy_file(shipped(), path_ / (codec + ".so"));
  }
  ~PluginsDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  // Written under a name the watcher ignores, then renamed over the codec: the safe install.
  void install_rebuilt() const {
    const auto temp = path_ / ("." + codec_ + ".so.partial");
    fs::copy_file(shipped(), temp, fs::copy_options::overwrite_existing);
    std::ofstream(temp, std::ios::app | std::ios::binary) << std::string("\0rebuilt", 8);
    fs::rename(temp, path_ / (codec_ + ".so"));
  }

 private:
  fs::path shipped() const { return fs::path(LINE_SO).parent_path() / (codec_ + ".so"); }
  std::string codec_;
  fs::path path_;
};

std::optional<exproto::host::CodecStatus> status_of(exproto::host::App& app, const std::string& codec) {
  for (auto& c : app.reloader().status())
    if (c.name == codec) return c;
  return std::nullopt;
}

bool wait_generation(exproto::host::App& app, const std::string& codec, uint64_t number, const std::string& state) {
  return ntest::wait_until(
      [&] {
        auto c = status_of(app, codec);
        if (!c) return false;
        for (const auto& g : c->generations)
          if (g.number == number) return g.state == state;
        return false;
      },
      10s);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string ask(ltest::TcpDevice& d, const std::string& frame, std::size_t n = 19) {
  REQUIRE(d.send(frame));
  return ntest::read_bytes(d, n);
}

}  // namespace

TEST_SUITE("native reload") {

TEST_CASE("native reload: a rebuilt jsonframe codec takes over connected devices, MQTT sessions stay") {
  mqtt_test::Mosquitto broker;
  PluginsDir dir("jsonframe");
  const uint16_t metrics_port = mqtt_test::free_loopback_port();
  auto app = ntest::start_host(ntest::native_config(
      {.broker = broker.address(),
       .codec = "jsonframe",
       .route_extra = R"(, "reload": "migrate")",
       .top_extra = R"(, "metrics": {"bind": "127.0.0.1:)" + std::to_string(metrics_port) + R"("})",
       .plugins_dir = dir.path()}));
  ntest::MqttProbe app_client(broker.port(), {.clientid = "app"});
  REQUIRE(app_client.connack() == 0);
  REQUIRE(app_client.subscribe("up/#", 1) == 1);
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice a(port), b(port);
  CHECK(ask(a, R"({"type":1,"clientinfo":{"clientid":"a"},"password":""})") == R"({"type":2,"code":0})");
  CHECK(ask(b, R"({"type":1,"clientinfo":{"clientid":"b"},"password":""})") == R"({"type":2,"code":0})");
  CHECK(ask(b, R"({"type":5,"topic":"dn/b","qos":1})") == R"({"type":6,"code":0})");
  const std::string publish = R"({"type":3,"topic":"up/a","qos":1,"payload":"across the reload"})";
  REQUIRE(a.send(publish.substr(0, 25)));  // half a frame in the old generation's buffer

  dir.install_rebuilt();
  REQUIRE(wait_generation(*app, "jsonframe", 2, "current"));
  REQUIRE(wait_generation(*app, "jsonframe", 1, "unloaded"));  // every session moved off it
  CHECK(app->metrics().sessions_migrated.get() == 2);
  CHECK(app->metrics().migrate_failures.get() == 0);

  // The devices never noticed: the frame completes, messages flow both ways.
  REQUIRE(a.send(publish.substr(25)));
  CHECK(ntest::read_bytes(a, 19) == R"({"type":4,"code":0})");
  auto m = app_client.next();
  REQUIRE(m);
  CHECK(m->topic == "up/a");
  CHECK(m->payload == "across the reload");
  REQUIRE(app_client.publish("dn/b", "after", 1));  // b's subscription was made before the reload
  const std::string delivery = R"({"type":3,"topic":"dn/b","qos":1,"payload":"after"})";
  CHECK(ntest::read_bytes(b, delivery.size()) == delivery);

  // The MQTT sessions are the ones from before: the broker saw one CONNECT per device.
  const std::string log = broker.log();
  CHECK(count(log, "as dev-a ") == 1);
  CHECK(count(log, "as dev-b ") == 1);
  const std::string body = itest::http_get(metrics_port, "/metrics");
  CHECK(body.find("\nexproto_native_mqtt_connections 2\n") != std::string::npos);
  CHECK(body.find("\nexproto_native_connections_open 2\n") != std::string::npos);
  CHECK(body.find(R"(exproto_codec_sessions{codec="jsonframe",route="tcp:)") != std::string::npos);
  CHECK(body.find(R"(,generation="2",)") != std::string::npos);
  CHECK(body.find(R"(,generation="1",)") == std::string::npos);
}

TEST_CASE("native reload: a rebuilt jt808 codec takes over an authenticated terminal, reports keep flowing") {
  mqtt_test::Mosquitto broker;
  PluginsDir dir("jt808");
  auto app = ntest::start_host(ntest::native_config({.broker = broker.address(),
                                                     .codec = "jt808",
                                                     .route_extra = R"(, "reload": "migrate")",
                                                     .plugins_dir = dir.path()}));
  ntest::MqttProbe app_client(broker.port(), {.clientid = "app"});
  REQUIRE(app_client.connack() == 0);
  REQUIRE(app_client.subscribe("jt808/#", 1) == 1);
  const auto terminals = exproto::bench::make_jt808_devices();
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  REQUIRE(d.send(terminals->login(7)));
  CHECK(ntest::read_jt808(d)->msg_id == 0x8100);
  const auto auth = ntest::read_jt808(d);
  REQUIRE(auth);
  CHECK(auth->body.back() == '\0');  // 0x8001 result 0
  REQUIRE(ntest::wait_until([&] { return broker.log().find("Sending SUBACK to dev-013800000007") != std::string::npos; }));

  dir.install_rebuilt();
  REQUIRE(wait_generation(*app, "jt808", 2, "current"));
  REQUIRE(wait_generation(*app, "jt808", 1, "unloaded"));
  CHECK(app->metrics().sessions_migrated.get() == 1);

  REQUIRE(d.send(terminals->report(7, 2)));
  const auto ack = ntest::read_jt808(d);
  REQUIRE(ack);
  CHECK(ack->msg_id == 0x8001);
  CHECK(ack->serial == 2);  // the platform's serial numbers continue across the reload
  auto m = app_client.next();
  REQUIRE(m);
  CHECK(m->topic == "jt808/013800000007/013800000007/up");
  REQUIRE(app_client.publish("jt808/013800000007/013800000007/dn",
                             R"({"header":{"msg_id":33536},"body":{"flag":1,"text":"still there"}})", 1));
  const auto text = ntest::read_jt808(d);
  REQUIRE(text);
  CHECK(text->msg_id == 0x8300);
  CHECK(text->body == std::string("\x01still there"));
  CHECK(count(broker.log(), "as dev-013800000007 ") == 1);
}

}  // TEST_SUITE
