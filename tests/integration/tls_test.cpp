// TLS between the EMQX side (devgw) and the host, both directions: the handler port (EMQX 5.x
// handler.ssl_options), mutual TLS, a gateway that trusts another CA, and the 4.x-style TLS
// ConnectionAdapter. Certificates are made per test by TestPki.
#include <doctest/doctest.h>

#include "harness.h"
#include "tcp_client.h"
#include "test_pki.h"

using namespace itest;
namespace devgw = exproto::devgw;
namespace host = exproto::host;

namespace {

constexpr const char* kConnackOk = R"({"type":2,"code":0})";
constexpr const char* kPubackOk = R"({"type":4,"code":0})";

host::HandlerTls handler_tls(const TestPki& pki, bool mutual) {
  host::HandlerTls tls;
  tls.cert_file = pki.server_cert();
  tls.key_file = pki.server_key();
  if (mutual) tls.client_ca_file = pki.ca();
  return tls;
}

devgw::HandlerTlsOptions gateway_tls(const std::filesystem::path& ca, const TestPki* client = nullptr) {
  devgw::HandlerTlsOptions tls;
  tls.ca_file = ca;
  if (client != nullptr) {
    tls.cert_file = client->client_cert();
    tls.key_file = client->client_key();
  }
  return tls;
}

// CONNECT and PUBLISH through the whole stack: proves both gRPC directions carry traffic.
void connect_and_publish(Stack& s, const std::string& clientid) {
  TcpClient dev(s.device_port());
  dev.write(connect_frame(clientid));
  auto connack = dev.read_n(std::string(kConnackOk).size());
  REQUIRE_MESSAGE(connack.has_value(), "no CONNACK; device got: " << dev.pending());
  CHECK(*connack == kConnackOk);
  dev.write(publish_frame("t/tls", "over-tls", 1));
  auto puback = dev.read_n(std::string(kPubackOk).size());
  REQUIRE(puback.has_value());
  CHECK(*puback == kPubackOk);
  const auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].payload == "over-tls");
  CHECK(r.publishes[0].from == clientid);
}

// The device's conn is closed the way the devgw reports a failed OnSocketCreated call, and the
// host never saw it. Returns the close reason.
std::string refused_at_socket_created(Stack& s) {
  TcpClient dev(s.device_port());
  auto conn = s.gw().wait_for_conn(dev.local_port(), 3s);
  REQUIRE(conn);
  const auto reason = s.gw().wait_for_close(conn->conn, 10s);
  REQUIRE_MESSAGE(reason.has_value(), "the conn was not closed");
  CAPTURE(*reason);
  CHECK(reason->starts_with("{shutdown,{error,{on_socket_created,{unavailable,"));
  CHECK(dev.wait_closed());
  CHECK(s.host().dispatcher().session_count() == 0);
  CHECK(s.gw().snapshot().adapter_calls.empty());
  return *reason;
}

}  // namespace

TEST_CASE("tls: handler over TLS carries CONNECT and PUBLISH, unary and streaming") {
  TestPki pki;
  for (auto service : {devgw::HandlerService::unary, devgw::HandlerService::streaming}) {
    CAPTURE(static_cast<int>(service));
    Stack s({.service = service,
             .tweak_gateway = [&](devgw::Options& o) { o.handler_tls = gateway_tls(pki.ca()); },
             .tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, false); }});
    connect_and_publish(s, service == devgw::HandlerService::unary ? "dev-tls-unary" : "dev-tls-stream");
  }
}

TEST_CASE("tls: the server name may differ from the dialed address (SNI / target name override)") {
  TestPki pki;
  Stack s({.tweak_gateway =
               [&](devgw::Options& o) {
                 o.handler_tls = gateway_tls(pki.ca());
                 o.handler_tls->server_name = "localhost";  // dialing 127.0.0.1, checking DNS:localhost
               },
           .tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, false); }});
  connect_and_publish(s, "dev-sni");
}

TEST_CASE("tls: a plaintext gateway cannot talk to a TLS handler port") {
  TestPki pki;
  Stack s({.tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, false); }});
  refused_at_socket_created(s);
}

TEST_CASE("tls: mutual TLS refuses a gateway without a client certificate") {
  TestPki pki;
  Stack s({.tweak_gateway = [&](devgw::Options& o) { o.handler_tls = gateway_tls(pki.ca()); },
           .tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, true); }});
  refused_at_socket_created(s);
}

TEST_CASE("tls: mutual TLS accepts a gateway with a client certificate of the CA, unary and streaming") {
  TestPki pki;
  for (auto service : {devgw::HandlerService::unary, devgw::HandlerService::streaming}) {
    CAPTURE(static_cast<int>(service));
    Stack s({.service = service,
             .tweak_gateway = [&](devgw::Options& o) { o.handler_tls = gateway_tls(pki.ca(), &pki); },
             .tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, true); }});
    connect_and_publish(s, "dev-mtls");
  }
}

TEST_CASE("tls: a gateway that trusts another CA does not connect") {
  TestPki pki;
  Stack s({.tweak_gateway = [&](devgw::Options& o) { o.handler_tls = gateway_tls(pki.other_ca()); },
           .tweak_host = [&](host::Config& c) { c.handler.tls = handler_tls(pki, false); }});
  CHECK(refused_at_socket_created(s).find("certificate verify failed") != std::string::npos);
}

TEST_CASE("tls: the host calls a 4.x-style TLS ConnectionAdapter, with a client certificate") {
  TestPki pki;
  Stack s({.tweak_gateway =
               [&](devgw::Options& o) {
                 o.adapter_tls = devgw::AdapterTlsOptions{pki.server_cert(), pki.server_key(), pki.ca()};
               },
           .tweak_host =
               [&](host::Config& c) {
                 c.adapter.tls = host::AdapterTls{pki.ca(), pki.client_cert(), pki.client_key(), "localhost"};
               }});
  connect_and_publish(s, "dev-adapter-tls");
  const auto r = s.gw().snapshot();
  REQUIRE_FALSE(r.adapter_calls.empty());
  CHECK(r.adapter_calls[0].method == "Authenticate");
  CHECK(r.adapter_calls[0].grpc_status == 0);
}

TEST_CASE("tls: a TLS ConnectionAdapter that requires a client certificate refuses a host without one") {
  TestPki pki;
  Stack s({.tweak_gateway =
               [&](devgw::Options& o) {
                 o.adapter_tls = devgw::AdapterTlsOptions{pki.server_cert(), pki.server_key(), pki.ca()};
               },
           .tweak_host = [&](host::Config& c) { c.adapter.tls = host::AdapterTls{pki.ca(), "", "", ""}; }});
  TcpClient dev(s.device_port());
  dev.write(connect_frame("dev-no-client-cert"));
  // The host's Authenticate fails at the handshake: the host counts a transport failure, nothing
  // reaches the adapter, and the device gets no CONNACK (the CONNACK 1 would need the adapter too).
  CHECK(wait_until([&] { return s.host().metrics().adapter_call_failures.get() >= 1; }, 10s));
  CHECK_FALSE(dev.read_n(1, 500ms).has_value());
  CHECK(s.gw().snapshot().adapter_calls.empty());
}

TEST_CASE("tls: the host refuses to start on an unusable TLS file, naming the key") {
  TestPki pki;
  host::Config c;
  c.handler.bind = "127.0.0.1:0";
  c.plugins.dir = EXPROTO_PLUGINS_DIR;
  c.plugins.watch = false;
  c.routes.push_back(host::Route{.listener = {7993, host::SockType::tcp}, .codec = "jsonframe"});
  c.handler.tls = handler_tls(pki, false);
  c.handler.tls->key_file = pki.dir() / "gone.key";
  auto app = host::App::start(c);
  REQUIRE_FALSE(app.has_value());
  CHECK(app.error() == "handler.tls.key_file: cannot read \"" + (pki.dir() / "gone.key").string() +
                           "\": No such file or directory");

  c.handler.tls = std::nullopt;
  c.adapter.tls = host::AdapterTls{pki.write("junk.pem", "not a pem"), "", "", ""};
  std::filesystem::remove(pki.dir() / "junk.pem");
  app = host::App::start(c);
  REQUIRE_FALSE(app.has_value());
  CHECK(app.error().starts_with("adapter.tls.ca_file: cannot read"));
}
