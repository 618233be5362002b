// Native mode as an operator runs it: exproto-host owns the device sockets and is an MQTT client
// of a real broker per device. What devices see (replies, messages, closes) and what the host
// holds (sessions) are asserted; the broker is mosquitto, killed and taken over as in production.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "device_client.h"
#include "http_client.h"
#include "host/app/app.h"
#include "host/config/config.h"
#include "mosquitto.h"
#include "../support/loopback.h"
#include "native_support.h"

namespace {

using namespace std::chrono_literals;
using exproto::host::App;
using ntest::start_host;
using ntest::wait_until;

std::string native_config(const std::string& broker, const std::string& extra_mqtt = "", const std::string& extra = "",
                          const std::string& extra_listener = "") {
  return ntest::native_config(
      {.broker = broker, .mqtt_extra = extra_mqtt, .listener_extra = extra_listener, .top_extra = extra});
}

using ntest::ask;

}  // namespace

TEST_CASE("native mode: devices connect, publish and receive through a real broker") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));

  ltest::TcpDevice a(port), b(port);
  CHECK(ask(a, "CONNECT alpha") == "OK");
  CHECK(ask(b, "CONNECT beta") == "OK");
  CHECK(ask(b, "SUB t/up 1") == "OK");
  CHECK(ask(a, "PUB t/up hello from alpha") == "OK");
  CHECK(b.read_line() == "MSG t/up hello from alpha");
  // Order: many messages in a row arrive in order, each once.
  for (int i = 0; i < 50; ++i) REQUIRE(a.send("PUB t/up m" + std::to_string(i) + "\n"));
  for (int i = 0; i < 50; ++i) CHECK(a.read_line() == "OK");
  for (int i = 0; i < 50; ++i) CHECK(b.read_line() == "MSG t/up m" + std::to_string(i));
  CHECK(app->metrics().sessions_active.get() == 2);

  // A device that leaves ends its session (and its MQTT connection).
  CHECK(ask(a, "QUIT") == "OK");
  CHECK(a.read_until_closed().has_value());
  CHECK(wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
  CHECK(app->stop());
  CHECK(b.read_until_closed().has_value());  // the host's shutdown closes its devices
}

TEST_CASE("native mode: the broker's authentication answers the codec's authenticate") {
  mqtt_test::Mosquitto broker({.allow_anonymous = false, .user = "dev-meter", .password = "s3cret"});
  auto app = start_host(native_config(broker.address()));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice bad(port);
  const std::string denied = ask(bad, "CONNECT meter dev-meter wrong");
  CHECK(denied.starts_with("ERROR "));
  // The device stays connected and may try again, as through EMQX.
  CHECK(ask(bad, "CONNECT meter dev-meter s3cret") == "OK");
  CHECK(ask(bad, "PUB t/x 1") == "OK");
}

TEST_CASE("native mode: an unreachable broker fails authenticate, the device stays and can retry") {
  const uint16_t free_port = mqtt_test::free_loopback_port();
  auto app = start_host(native_config("127.0.0.1:" + std::to_string(free_port)));
  ltest::TcpDevice d(static_cast<uint16_t>(app->listener_port(0)));
  const std::string reply = ask(d, "CONNECT nobody");
  CHECK(reply.starts_with("ERROR "));
  CHECK(ask(d, "PING") == "PONG");
  CHECK(app->metrics().sessions_active.get() == 1);
}

TEST_CASE("native mode: a takeover by the same clientid closes the older device") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice first(port);
  CHECK(ask(first, "CONNECT truck7") == "OK");
  ltest::TcpDevice second(port);
  CHECK(ask(second, "CONNECT truck7") == "OK");
  // The broker dropped the first MQTT session; its device socket is closed, never reconnected.
  CHECK(first.read_until_closed().has_value());
  CHECK(ask(second, "PUB t/x still here") == "OK");
  CHECK(wait_until([&] { return app->metrics().sessions_active.get() == 1; }));
}

TEST_CASE("native mode: the broker dying closes its devices, they reconnect once it is back") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  {
    ltest::TcpDevice d(port);
    CHECK(ask(d, "CONNECT pump1") == "OK");
    broker.kill();
    CHECK(d.read_until_closed().has_value());
  }
  CHECK(wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
  broker.restart();
  ltest::TcpDevice again(port);
  std::string reply;
  // The shared reconnect backoff may hold the first CONNECT after the outage back a moment.
  for (int i = 0; i < 20 && reply != "OK"; ++i) {
    reply = ask(again, "CONNECT pump1");
    if (reply != "OK") std::this_thread::sleep_for(200ms);
  }
  CHECK(reply == "OK");
  CHECK(ask(again, "PUB t/x back") == "OK");
}

TEST_CASE("native mode: two hosts behind one broker, a device moving to the other host takes its session over") {
  mqtt_test::Mosquitto broker;
  auto host_a = start_host(native_config(broker.address()));
  auto host_b = start_host(native_config(broker.address()));
  ltest::TcpDevice on_a(static_cast<uint16_t>(host_a->listener_port(0)));
  CHECK(ask(on_a, "CONNECT meter42") == "OK");
  // The device reconnects through the load balancer and lands on the other host.
  ltest::TcpDevice on_b(static_cast<uint16_t>(host_b->listener_port(0)));
  CHECK(ask(on_b, "CONNECT meter42") == "OK");
  // Host A hears from the broker that its MQTT session is gone and closes the stale socket within
  // a second; it does not reconnect (no two hosts knocking each other off).
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(on_a.read_until_closed(1s).has_value());
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(wait_until([&] { return host_a->metrics().sessions_active.get() == 0; }));
  std::this_thread::sleep_for(300ms);
  CHECK(ask(on_b, "PUB t/x still mine") == "OK");
  CHECK(host_b->metrics().sessions_active.get() == 1);
}

TEST_CASE("native mode: /metrics shows the device side and the MQTT connections") {
  mqtt_test::Mosquitto broker;
  const uint16_t metrics_port = mqtt_test::free_loopback_port();
  auto app = start_host(native_config(broker.address(), "", R"(, "metrics": {"bind": "127.0.0.1:)" +
                                                                std::to_string(metrics_port) + R"("})"));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice a(port), b(port);
  CHECK(ask(a, "CONNECT m1") == "OK");
  CHECK(ask(b, "PING") == "PONG");  // connected, never authenticated: no MQTT connection
  const std::string body = itest::http_get(metrics_port, "/metrics");
  CHECK(body.find("\nexproto_native_connections_accepted_total 2\n") != std::string::npos);
  CHECK(body.find("\nexproto_native_connections_open 2\n") != std::string::npos);
  CHECK(body.find("\nexproto_native_mqtt_connections 1\n") != std::string::npos);
  CHECK(itest::http_get(metrics_port, "/readyz").starts_with("HTTP/1.1 200"));
}

namespace {

// The routes of a native config with these listeners ("tcp" or "udp", each on a free port or
// the one given), all served by the line codec — what a SIGHUP re-reads.
struct ListenerSpec {
  std::string socktype = "tcp";
  uint16_t port = 0;
};
std::vector<exproto::host::Route> routes_of(const std::string& broker, std::vector<ListenerSpec> specs) {
  std::string routes;
  for (auto& s : specs) {
    if (s.port == 0) s.port = mqtt_test::free_loopback_port();
    if (!routes.empty()) routes += ",";
    routes += R"({"listener": {"bind": "127.0.0.1:)" + std::to_string(s.port) + R"(", "socktype": ")" + s.socktype +
              R"("}, "codec": "line"})";
  }
  std::string json = native_config(broker);
  const auto at = json.find(R"("routes": [)");
  const auto end = json.find("]", at);
  json.replace(at, end + 1 - at, R"("routes": [)" + routes + "]");
  auto config = exproto::host::parse_config(json);
  REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error()));
  return config->routes;
}

uint16_t port_of(const exproto::host::Route& r) { return r.listener.port; }

bool tcp_connect_refused(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in a = test_support::loopback(port);
  const bool refused = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

}  // namespace

TEST_CASE("native mode SIGHUP: a listener added to the config is bound, one removed stops accepting") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t first = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice old_device(first);
  CHECK(ask(old_device, "CONNECT before") == "OK");

  // Added: routes[1] gets its own socket; routes[0] keeps its socket and its devices.
  auto both = routes_of(broker.address(), {{"tcp", first}, {"tcp", 0}});
  auto applied = app->apply_routes(both);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  CHECK(applied->find("listeners: 1 kept, 1 bound, 0 closed") != std::string::npos);
  const uint16_t second = port_of(both[1]);
  CHECK(app->listener_port(1) == second);
  ltest::TcpDevice added(second);
  CHECK(ask(added, "CONNECT added") == "OK");
  CHECK(ask(old_device, "PUB t/x still served") == "OK");

  // Removed: routes[0] goes; the socket stops accepting, its device stays until it ends (as
  // nginx's reload), and the remaining listener is now routes[0].
  auto only_second = routes_of(broker.address(), {{"tcp", second}});
  applied = app->apply_routes(only_second);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  CHECK(applied->find("listeners: 1 kept, 0 bound, 1 closed") != std::string::npos);
  CHECK(wait_until([&] { return tcp_connect_refused(first); }));
  CHECK(app->listener_port(0) == second);
  CHECK(ask(old_device, "PUB t/x after removal") == "OK");
  CHECK(ask(added, "PUB t/x on the kept one") == "OK");
  ltest::TcpDevice later(second);
  CHECK(ask(later, "CONNECT later") == "OK");
  CHECK(app->metrics().sessions_active.get() == 3);
  CHECK(app->stop());
  CHECK(old_device.read_until_closed().has_value());  // shutdown still ends the retired listener's devices
}

TEST_CASE("native mode SIGHUP: a new listener that cannot bind changes nothing") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t first = static_cast<uint16_t>(app->listener_port(0));
  // Another process's socket holds the port (bound without SO_REUSEPORT, so ours cannot share it).
  const int blocker = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in a = test_support::loopback(0);
  REQUIRE(::bind(blocker, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(blocker, 1) == 0);
  const uint16_t taken = test_support::local_port_of(blocker);

  auto applied = app->apply_routes(routes_of(broker.address(), {{"udp", 0}, {"tcp", taken}}));
  REQUIRE_FALSE(applied.has_value());
  CHECK(applied.error().find("routes[1].listener.bind 127.0.0.1:" + std::to_string(taken)) != std::string::npos);
  // Nothing changed: the running listener still serves its codec, the route table is the old one.
  CHECK(app->listener_port(0) == first);
  CHECK(app->listener_port(1) == 0);
  ltest::TcpDevice d(first);
  CHECK(ask(d, "CONNECT unchanged") == "OK");
  ::close(blocker);

  // A file of the other mode (routes naming a port, not a bind) is refused whole.
  auto exproto_routes = routes_of(broker.address(), {{"tcp", first}});
  exproto_routes[0].listener_bind.clear();
  applied = app->apply_routes(exproto_routes);
  REQUIRE_FALSE(applied.has_value());
  CHECK(applied.error().find("native mode, which changes only with a restart") != std::string::npos);
  CHECK(ask(d, "PUB t/x served") == "OK");
}

TEST_CASE("native mode SIGHUP: removing a UDP listener ends its peers") {
  mqtt_test::Mosquitto broker;
  auto app = start_host(native_config(broker.address()));
  const uint16_t tcp_port = static_cast<uint16_t>(app->listener_port(0));
  auto with_udp = routes_of(broker.address(), {{"tcp", tcp_port}, {"udp", 0}});
  auto applied = app->apply_routes(with_udp);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  ltest::UdpDevice peer(port_of(with_udp[1]));
  peer.send("CONNECT udp1\n");
  CHECK(peer.recv() == "OK\n");
  CHECK(app->metrics().sessions_active.get() == 1);

  applied = app->apply_routes(routes_of(broker.address(), {{"tcp", tcp_port}}));
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  // The peer lived on the socket that closed: its session (and MQTT session) ends.
  CHECK(wait_until([&] { return app->metrics().sessions_active.get() == 0; }));
  CHECK(wait_until([&] { return app->metrics().sessions_closed.get() >= 1; }));
}

TEST_CASE("native mode: max_connections resets the connection over the cap and counts it on /metrics") {
  mqtt_test::Mosquitto broker;
  const uint16_t metrics_port = mqtt_test::free_loopback_port();
  auto app = start_host(native_config(broker.address(), "",
                                      R"(, "metrics": {"bind": "127.0.0.1:)" + std::to_string(metrics_port) + R"("})",
                                      R"(, "max_connections": 1)"));
  const uint16_t port = static_cast<uint16_t>(app->listener_port(0));
  ltest::TcpDevice a(port);
  CHECK(ask(a, "CONNECT capped") == "OK");
  ltest::TcpDevice over(port);
  CHECK(over.read_until_closed().has_value());  // reset at accept
  CHECK(ask(a, "PUB t/x still here") == "OK");
  const std::string body = itest::http_get(metrics_port, "/metrics");
  CHECK(body.find("\nexproto_native_connections_over_cap_total 1\n") != std::string::npos);
  CHECK(body.find("\nexproto_native_udp_peers_over_cap_total 0\n") != std::string::npos);
  CHECK(body.find("\nexproto_native_connections_accepted_total 1\n") != std::string::npos);
}
