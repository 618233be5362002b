// MQTT over TLS to mosquitto's TLS listener: one shared client context, the broker's certificate
// checked against the CA and the configured server name, optional client certificate.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include "host/mqtt/mqtt_upstream.h"
#include "loop.h"
#include "mosquitto.h"
#include "tests/integration/test_pki.h"

using namespace exproto::host;
using namespace exproto::host::mqtt;
using namespace mqtt_test;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

struct NullSink : MqttSessionSink {
  void messages(const std::string&, std::vector<DeliveredMessage>, std::function<void()> handled) override { handled(); }
  void ended(const std::string&, std::string reason) override { ends.push_back(std::move(reason)); }
  std::vector<std::string> ends;
};

UpstreamResult authenticate(net::io_context& io, MqttUpstream& up, const std::string& conn) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_AUTHENTICATE;
  c.conn = conn;
  c.clientinfo.clientid = conn;
  std::optional<UpstreamResult> r;
  up.call(c, [&](UpstreamResult x) { r = x; });
  REQUIRE(run_until(io, [&] { return r.has_value(); }));
  return *r;
}

}  // namespace

TEST_CASE("mqtt tls: authenticate over TLS with the broker's name checked") {
  itest::TestPki pki;
  Mosquitto broker(BrokerOptions{.tls_ca = pki.ca(), .tls_cert = pki.server_cert(), .tls_key = pki.server_key()});
  net::io_context io;
  NullSink sink;
  MqttConfig cfg;
  cfg.server = broker.address();
  cfg.connect_timeout_ms = 3000;
  auto executor = [&](const std::string&) { return io.get_executor(); };

  SUBCASE("the right CA and name (SAN DNS:localhost), with a client certificate") {
    cfg.tls = MqttTls{.ca_file = pki.ca(), .cert_file = pki.client_cert(), .key_file = pki.client_key(), .server_name = "localhost"};
    MqttUpstream up(cfg, executor, sink);
    REQUIRE_FALSE(up.error().has_value());
    auto r = authenticate(io, up, "tls-dev");
    CHECK_MESSAGE(r.code == EXPROTO_RESULT_SUCCESS, r.message);
    UpstreamCall p;
    p.kind = EXPROTO_CALL_PUBLISH;
    p.conn = "tls-dev";
    p.topic = "t";
    p.qos = 1;
    p.data = "over tls";
    std::optional<UpstreamResult> pr;
    up.call(p, [&](UpstreamResult x) { pr = x; });
    REQUIRE(run_until(io, [&] { return pr.has_value(); }));
    CHECK(pr->code == EXPROTO_RESULT_SUCCESS);
    up.end("tls-dev", false);
    REQUIRE(run_until(io, [&] { return up.connections() == 0; }));
  }
  SUBCASE("no server name: the address (IP SAN 127.0.0.1) is checked") {
    cfg.tls = MqttTls{.ca_file = pki.ca()};
    MqttUpstream up(cfg, executor, sink);
    auto r = authenticate(io, up, "tls-ip");
    CHECK_MESSAGE(r.code == EXPROTO_RESULT_SUCCESS, r.message);
    up.end("tls-ip", false);
    REQUIRE(run_until(io, [&] { return up.connections() == 0; }));
  }
  SUBCASE("a name the certificate does not carry is refused: HOST_UNAVAILABLE") {
    cfg.tls = MqttTls{.ca_file = pki.ca(), .server_name = "not-the-broker.example"};
    MqttUpstream up(cfg, executor, sink);
    auto r = authenticate(io, up, "tls-name");
    CHECK(r.code == EXPROTO_RESULT_HOST_UNAVAILABLE);
    CHECK_MESSAGE(r.message.starts_with("mqtt:tls_handshake_failed"), r.message);
  }
  SUBCASE("another CA is refused: HOST_UNAVAILABLE") {
    cfg.tls = MqttTls{.ca_file = pki.other_ca(), .server_name = "localhost"};
    MqttUpstream up(cfg, executor, sink);
    auto r = authenticate(io, up, "tls-ca");
    CHECK(r.code == EXPROTO_RESULT_HOST_UNAVAILABLE);
    CHECK_MESSAGE(r.message.starts_with("mqtt:tls_handshake_failed"), r.message);
  }
  SUBCASE("an unreadable CA file is a start-up error naming the key") {
    cfg.tls = MqttTls{.ca_file = pki.dir() / "missing.pem"};
    MqttUpstream up(cfg, executor, sink);
    REQUIRE(up.error().has_value());
    CHECK(up.error()->starts_with("mqtt.tls.ca_file: "));
    auto r = authenticate(io, up, "x");
    CHECK(r.code == EXPROTO_RESULT_HOST_UNAVAILABLE);
  }
}
