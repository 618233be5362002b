// The config rules that keep the handler port and the admin endpoint from facing more than they
// should: plaintext off loopback only when asked for by name, peer ranges, stream limits, admin
// on a Unix socket or a loopback literal (never a name DNS decides), and the address parsing
// those rules rest on.
#include <doctest/doctest.h>

#include <string>

#include "host/config/config.h"
#include "host/config/ip_address.h"

using namespace exproto::host;

namespace {

std::string doc(const std::string& extra) {
  return "{" + extra + R"(,"routes":[{"listener":{"port":7993,"socktype":"tcp"},"codec":"line"}]})";
}

std::string error_of(const std::string& text) {
  auto c = parse_config(text);
  REQUIRE_FALSE(c.has_value());
  return c.error();
}

}  // namespace

TEST_CASE("security config: a plaintext handler.bind off loopback is refused unless the risk is named") {
  CHECK(error_of(doc(R"("handler":{"bind":"0.0.0.0:9001"})")) ==
        "handler.bind: \"0.0.0.0:9001\" is not a loopback address and the port is plaintext: anyone who reaches "
        "it can inject events for any device; configure handler.tls (with client_ca_file), bind 127.0.0.1, or "
        "set handler.allow_plaintext_non_loopback: true to accept the risk");
  // A name is not a loopback address, whatever it resolves to today.
  CHECK(error_of(doc(R"("handler":{"bind":"localhost:9001"})")).starts_with("handler.bind: \"localhost:9001\" is not"));
  CHECK(error_of(doc(R"("handler":{"bind":"127.evil.example:9001"})")).starts_with("handler.bind:"));
  CHECK(error_of(doc(R"("handler":{"bind":"[::]:9001"})")).starts_with("handler.bind:"));

  const auto allowed = parse_config(doc(R"("handler":{"bind":"0.0.0.0:9001","allow_plaintext_non_loopback":true})"));
  REQUIRE_MESSAGE(allowed.has_value(), (allowed ? "" : allowed.error()));
  CHECK(allowed->handler.allow_plaintext_non_loopback);
  for (const char* bind : {"127.0.0.1:9001", "127.3.2.1:0", "[::1]:9001"}) {
    CAPTURE(bind);
    CHECK(parse_config(doc(std::string(R"("handler":{"bind":")") + bind + "\"}")).has_value());
  }
  CHECK_FALSE(parse_config(doc("\"handler\":{}")).value().handler.allow_plaintext_non_loopback);
  CHECK(error_of(doc(R"("handler":{"allow_plaintext_non_loopback":"yes"})")) ==
        "handler.allow_plaintext_non_loopback: expected true or false, got \"yes\"");
}

TEST_CASE("security config: handler.allow_peers takes numeric addresses and CIDR ranges only") {
  const auto c = parse_config(doc(R"("handler":{"allow_peers":["127.0.0.2","10.0.0.0/8","fd00::/8","::1"]})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  REQUIRE(c->handler.allow_peers.size() == 4);
  CHECK(c->handler.allow_peers[0].text == "127.0.0.2");
  CHECK(c->handler.allow_peers[0].contains(*parse_ip("127.0.0.2")));
  CHECK_FALSE(c->handler.allow_peers[0].contains(*parse_ip("127.0.0.1")));
  CHECK(c->handler.allow_peers[1].contains(*parse_ip("10.200.3.4")));
  CHECK(c->handler.allow_peers[2].contains(*parse_ip("fd12::5")));
  CHECK(parse_config(doc("\"handler\":{}")).value().handler.allow_peers.empty());

  CHECK(error_of(doc(R"("handler":{"allow_peers":["emqx.local"]})")) ==
        "handler.allow_peers[0]: expected a numeric IP address or CIDR range (\"10.0.0.5\", \"10.0.0.0/8\", "
        "\"fd00::/8\"), got \"emqx.local\"");
  CHECK(error_of(doc(R"("handler":{"allow_peers":["10.0.0.1/8"]})")).starts_with("handler.allow_peers[0]:"));
  CHECK(error_of(doc(R"("handler":{"allow_peers":["10.0.0.0/33"]})")).starts_with("handler.allow_peers[0]:"));
  CHECK(error_of(doc(R"("handler":{"allow_peers":["127.0.0.1",5]})")).starts_with("handler.allow_peers[1]:"));
  CHECK(error_of(doc(R"("handler":{"allow_peers":[]})")).starts_with("handler.allow_peers: expected an array of 1..1024"));
}

TEST_CASE("security config: stream and call limits of the handler port") {
  const HandlerConfig defaults;
  const auto d = parse_config(doc("\"handler\":{}")).value();
  CHECK(d.handler.max_concurrent_streams == defaults.max_concurrent_streams);
  CHECK(d.handler.max_calls_per_peer == defaults.max_calls_per_peer);
  // EMQX: up to 5 streams per device, one HTTP/2 connection per scheduler; the defaults carry a
  // large fleet on a single connection.
  CHECK(defaults.max_concurrent_streams >= 5 * 100000);
  CHECK(defaults.max_calls_per_peer >= 5 * 100000);

  const auto c = parse_config(doc(R"("handler":{"max_concurrent_streams":100,"max_calls_per_peer":50})")).value();
  CHECK(c.handler.max_concurrent_streams == 100);
  CHECK(c.handler.max_calls_per_peer == 50);
  CHECK(error_of(doc(R"("handler":{"max_concurrent_streams":0})")).starts_with("handler.max_concurrent_streams:"));
  CHECK(error_of(doc(R"("handler":{"max_calls_per_peer":2147483648})")).starts_with("handler.max_calls_per_peer:"));
}

TEST_CASE("security config: admin.bind is a loopback literal, never a name") {
  CHECK(error_of(doc(R"("admin":{"bind":"127.evil.example:9002"})")) ==
        "admin.bind: expected a numeric loopback address (127.x.x.x or [::1]), never a name, got "
        "\"127.evil.example:9002\"");
  CHECK(error_of(doc(R"("admin":{"bind":"localhost:9002"})")).starts_with("admin.bind: expected a numeric loopback"));
  CHECK(error_of(doc(R"("admin":{"bind":"[::]:9002"})")).starts_with("admin.bind: expected a numeric loopback"));
  CHECK(error_of(doc(R"("admin":{"bind":"128.0.0.1:9002"})")).starts_with("admin.bind: expected a numeric loopback"));
  CHECK(parse_config(doc(R"("admin":{"bind":"127.0.0.1:9002"})")).value().admin.bind == "127.0.0.1:9002");
  CHECK(parse_config(doc(R"("admin":{"bind":"127.10.0.1:0"})")).has_value());
  CHECK(parse_config(doc(R"("admin":{"bind":"[::1]:9002"})")).has_value());
}

TEST_CASE("security config: admin.socket and admin.socket_group") {
  const auto c = parse_config(doc(R"("admin":{"socket":"/run/exproto-host/admin.sock","socket_group":"emqx"})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->admin.socket == "/run/exproto-host/admin.sock");
  CHECK(c->admin.socket_group == "emqx");
  CHECK(c->admin.bind.empty());
  const auto off = parse_config(doc("\"admin\":{}")).value();
  CHECK(off.admin.socket.empty());
  CHECK(off.admin.bind.empty());

  CHECK(error_of(doc(R"("admin":{"socket":"/tmp/a.sock","bind":"127.0.0.1:9002"})")) ==
        "admin.bind: give either socket or bind, not both");
  CHECK(error_of(doc(R"("admin":{"bind":"127.0.0.1:9002","socket_group":"emqx"})")) ==
        "admin.socket_group: only with socket");
  CHECK(error_of(doc(R"("admin":{"socket":""})")).starts_with("admin.socket: expected a path of 1..107 bytes"));
  CHECK(error_of(doc(R"("admin":{"socket":")" + std::string(108, 'a') + "\"}")).starts_with("admin.socket:"));
}

TEST_CASE("ip addresses: parsing, ranges, loopback literals and gRPC peer strings") {
  CHECK(parse_ip("127.0.0.1").has_value());
  CHECK(parse_ip("[::1]").has_value());
  CHECK_FALSE(parse_ip("localhost").has_value());
  CHECK_FALSE(parse_ip("127.0.0.1.evil").has_value());
  CHECK_FALSE(parse_ip("").has_value());
  // An IPv4 peer on a dual-stack socket is matched by IPv4 rules.
  CHECK(*parse_ip("::ffff:10.1.2.3") == *parse_ip("10.1.2.3"));

  CHECK(is_numeric_loopback("127.0.0.1:1"));
  CHECK(is_numeric_loopback("127.255.0.9:1"));
  CHECK(is_numeric_loopback("[::1]:1"));
  CHECK_FALSE(is_numeric_loopback("127.evil.example:9002"));
  CHECK_FALSE(is_numeric_loopback("localhost:9002"));
  CHECK_FALSE(is_numeric_loopback("0.0.0.0:9002"));
  CHECK_FALSE(is_numeric_loopback("[::]:9002"));
  CHECK_FALSE(is_numeric_loopback("127.0.0.1"));  // no port: not a host:port

  const auto r = parse_ip_range("192.168.0.0/16").value();
  CHECK(r.contains(*parse_ip("192.168.44.1")));
  CHECK_FALSE(r.contains(*parse_ip("192.169.0.1")));
  CHECK_FALSE(r.contains(*parse_ip("::1")));
  CHECK(parse_ip_range("0.0.0.0/0").value().contains(*parse_ip("8.8.8.8")));
  CHECK(parse_ip_range("2001:db8::/33").value().contains(*parse_ip("2001:db8:7fff::1")));
  CHECK_FALSE(parse_ip_range("2001:db8::/33").value().contains(*parse_ip("2001:db8:8000::1")));
  CHECK_FALSE(parse_ip_range("10.0.0.0/").has_value());
  CHECK_FALSE(parse_ip_range("10.0.0.0/x").has_value());

  CHECK(peer_address("ipv4:127.0.0.1:5000") == parse_ip("127.0.0.1"));
  CHECK(peer_address("ipv6:[::1]:5000") == parse_ip("::1"));
  CHECK(peer_address("ipv6:%5B::1%5D:5000") == parse_ip("::1"));
  CHECK(peer_address("ipv6:[::ffff:127.0.0.1]:5000") == parse_ip("127.0.0.1"));
  CHECK_FALSE(peer_address("unix:/tmp/x").has_value());
  CHECK_FALSE(peer_address("ipv4:nonsense").has_value());
}
