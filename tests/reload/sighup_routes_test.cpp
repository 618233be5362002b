// SIGHUP (App::apply_routes): a route whose codec config changed gets a new instance, and the
// sessions on the old one follow the route's reload policy exactly as on a codec reload. The line
// codec makes the instance visible: its default_qos is the QoS EMQX sees for "PUB topic payload".
#include <doctest/doctest.h>

#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

namespace {

// Logs a line device in and publishes once; the QoS EMQX saw tells which config served it.
std::optional<uint32_t> publish_qos(itest::Stack& s, itest::TcpClient& dev, const std::string& payload) {
  dev.write("PUB t/up " + payload + "\n");
  if (dev.read_line() != "OK") return std::nullopt;
  for (const auto& p : s.gw().snapshot().publishes)
    if (p.payload == payload) return p.qos;
  return std::nullopt;
}

std::unique_ptr<itest::TcpClient> connected(itest::Stack& s, const std::string& clientid) {
  auto dev = std::make_unique<itest::TcpClient>(s.device_port());
  dev->write("CONNECT " + clientid + "\n");
  REQUIRE(dev->read_line() == "OK");
  return dev;
}

std::string sighup(itest::Stack& s, const std::vector<host::Route>& routes) {
  auto applied = s.host().apply_routes(routes);
  REQUIRE_MESSAGE(applied.has_value(), (applied ? "" : applied.error()));
  return *applied;
}

std::vector<host::Route> with_config(itest::Stack& s, const std::string& config) {
  auto routes = s.host_config().routes;
  routes[0].config_json = config;
  return routes;
}

}  // namespace

TEST_CASE("SIGHUP routes: a changed codec config moves existing sessions to the new instance") {
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "line", host::ReloadPolicy::automatic));
  auto dev = connected(s, "dev1");
  REQUIRE(publish_qos(s, *dev, "before") == 0u);

  CHECK(sighup(s, with_config(s, R"({"default_qos":1})")).find("1 new or changed") != std::string::npos);
  REQUIRE(itest::wait_until([&] { return s.host().metrics().sessions_migrated.get() == 1; }));
  CHECK(publish_qos(s, *dev, "after") == 1u);  // same connection, still logged in, new config
  auto fresh = connected(s, "dev2");
  CHECK(publish_qos(s, *fresh, "fresh") == 1u);
  CHECK(s.host().metrics().sessions_restarted.get() == 0);
}

TEST_CASE("SIGHUP routes: with reload policy restart a changed config closes existing sessions") {
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "line", host::ReloadPolicy::restart));
  auto dev = connected(s, "dev1");
  sighup(s, with_config(s, R"({"default_qos":2})"));
  CHECK(dev->wait_closed());
  CHECK(s.host().metrics().sessions_restarted.get() == 1);
  auto again = connected(s, "dev1");
  CHECK(publish_qos(s, *again, "reconnected") == 2u);
}

TEST_CASE("SIGHUP routes: with drain sessions keep the old config until the deadline, then migrate") {
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "line", host::ReloadPolicy::drain, 1500));
  auto dev = connected(s, "dev1");
  sighup(s, with_config(s, R"({"default_qos":1})"));
  CHECK(publish_qos(s, *dev, "draining") == 0u);
  REQUIRE(itest::wait_until([&] { return s.host().metrics().sessions_migrated.get() == 1; }));
  CHECK(publish_qos(s, *dev, "past the deadline") == 1u);
}

TEST_CASE("SIGHUP routes: a listener moved to another codec drains, past the deadline its sessions close") {
  PluginsDir dir;
  std::filesystem::copy_file(shipped_codec("line"), dir.path() / "line.so");
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate, 1500));
  Device a(s.device_port());
  REQUIRE(a.exchange(1));

  auto routes = s.host_config().routes;
  routes[0].codec = "line";
  sighup(s, routes);
  REQUIRE(a.exchange(1));  // still the counter: a counter state means nothing to line
  itest::TcpClient b(s.device_port());
  b.write("PING\n");
  CHECK(b.read_line() == "PONG");
  CHECK(a.tcp().wait_closed(5s));
  CHECK(s.host().metrics().sessions_migrated.get() == 0);
  CHECK(s.host().metrics().sessions_restarted.get() == 1);
}
