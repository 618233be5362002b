#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "host/config/config.h"
#include "host/registry/codec_signature.h"

using namespace exproto::host;

namespace {

// A minimal valid document with `extra` spliced into the top level.
std::string doc(const std::string& routes = R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"line"}])",
                const std::string& extra = "") {
  return "{" + extra + (extra.empty() ? "" : ",") + "\"routes\":" + routes + "}";
}

std::string error_of(const std::string& text) {
  auto c = parse_config(text);
  REQUIRE_FALSE(c.has_value());
  return c.error();
}

}  // namespace

TEST_CASE("config: a full document fills every field") {
  const auto c = parse_config(R"({
    "handler": {"bind": "0.0.0.0:9001", "max_receive_bytes": 4096, "allow_plaintext_non_loopback": true},
    "adapter": {"address": "[::1]:9100", "timeout_ms": 500, "channels": 4},
    "plugins": {"dir": "build/plugins", "work_dir": "/var/tmp/x"},
    "routes": [
      {"listener": {"port": 7993, "socktype": "tcp"}, "codec": "line", "config": {"max_line": 80}},
      {"listener": {"port": 7993, "socktype": "udp"}, "codec": "json-frame_2"}
    ],
    "sessions": {"workers": 3, "max_queued_events": 10, "max_pending_calls": 11, "max_timers": 0,
                 "unknown_conn": "reject", "stream_hold_ms": 0, "max_held_events": 7},
    "log": {"level": "debug"}
  })");
  REQUIRE(c.has_value());
  CHECK(c->handler.bind == "0.0.0.0:9001");
  CHECK(c->handler.max_receive_bytes == 4096);
  CHECK(c->adapter.addresses == std::vector<std::string>{"[::1]:9100"});
  CHECK(c->adapter.timeout_ms == 500);
  CHECK(c->adapter.channels == 4);
  CHECK(c->plugins.dir == "build/plugins");
  CHECK(c->plugins.work_dir == "/var/tmp/x");
  REQUIRE(c->routes.size() == 2);
  CHECK(c->routes[0].listener == ListenerKey{7993, SockType::tcp});
  CHECK(c->routes[0].codec == "line");
  CHECK(c->routes[0].config_json == R"({"max_line":80})");
  CHECK(c->routes[1].listener == ListenerKey{7993, SockType::udp});
  CHECK(c->routes[1].config_json == "{}");
  CHECK(c->sessions.workers == 3);
  CHECK(c->sessions.max_queued_events == 10);
  CHECK(c->sessions.max_pending_calls == 11);
  CHECK(c->sessions.max_timers == 0);
  CHECK(c->sessions.unknown_conn == UnknownConnPolicy::reject);
  CHECK(c->sessions.stream_hold_ms == 0);
  CHECK(c->sessions.max_held_events == 7);
  CHECK(c->log.level == "debug");
}

TEST_CASE("config: absent sections keep the defaults of config.h") {
  const auto c = parse_config(doc());
  REQUIRE(c.has_value());
  const Config defaults;
  CHECK(c->handler.bind == defaults.handler.bind);
  CHECK(c->adapter.addresses == defaults.adapter.addresses);
  CHECK(c->adapter.timeout_ms == defaults.adapter.timeout_ms);
  CHECK(c->plugins.dir == defaults.plugins.dir);
  CHECK(c->plugins.work_dir.empty());
  CHECK(c->sessions.unknown_conn == UnknownConnPolicy::close);
  CHECK(c->sessions.max_queued_events == defaults.sessions.max_queued_events);
  CHECK(c->log.level == "info");
}

TEST_CASE("config: every error names the key path and the problem") {
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"},
                         {"listener":{"port":2,"socktype":"tpc"},"codec":"a"}])")) ==
        R"(routes[1].listener.socktype: expected one of tcp|ssl|udp|dtls, got "tpc")");
  CHECK(error_of(doc(R"([{"listener":{"port":"x","socktype":"tcp"},"codec":"a"}])")) ==
        R"(routes[0].listener.port: expected an integer in 1..65535, got "x")");
  CHECK(error_of(doc(R"([{"listener":{"port":0,"socktype":"tcp"},"codec":"a"}])")) ==
        "routes[0].listener.port: expected an integer in 1..65535, got 0");
  CHECK(error_of(doc(R"([{"listener":{"socktype":"tcp"},"codec":"a"}])")) == "routes[0].listener.port: required");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"}}])")) == "routes[0].codec: required");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"Line"}])")) ==
        R"(routes[0].codec: expected a codec name matching [a-z0-9_-]{1,64}, got "Line")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a","config":[1]}])")) ==
        "routes[0].config: expected an object, got [1]");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a","cdec":"b"}])")) ==
        "routes[0].cdec: unknown key");
  CHECK(error_of(doc(R"([{"listener":7993,"codec":"a"}])")) == "routes[0].listener: expected an object, got 7993");
  CHECK(error_of(doc(R"([3])")) == "routes[0]: expected an object, got 3");
  CHECK(error_of(doc(R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"a"},
                         {"listener":{"port":7993,"socktype":"udp"},"codec":"b"},
                         {"listener":{"port":7993,"socktype":"tcp"},"codec":"c"}])")) ==
        "routes: two routes for listener tcp:7993");
  CHECK(error_of(doc("[]")) == "routes: expected a non-empty array, got []");
  CHECK(error_of(R"({"handler":{}})") == "routes: required");

  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("handler":{"bnd":"x"})")) ==
        "handler.bnd: unknown key");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("bogus":1)")) ==
        "bogus: unknown key");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("adapter":{"address":"x"})")) ==
        R"(adapter.address: expected "host:port", got "x")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])",
                     R"("adapter":{"address":"h:0"})")) == R"(adapter.address: expected "host:port", got "h:0")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("handler":{"bind":5})")) ==
        "handler.bind: expected a string, got 5");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])",
                     R"("adapter":{"timeout_ms":-1})")) == "adapter.timeout_ms: expected an integer in 1..3600000, got -1");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])",
                     R"("adapter":{"channels":1.5})")) == "adapter.channels: expected an integer in 1..64, got 1.5");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])",
                     R"("sessions":{"unknown_conn":"drop"})")) ==
        R"(sessions.unknown_conn: expected one of close|ignore|reject, got "drop")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("log":{"level":"loud"})")) ==
        R"(log.level: expected one of trace|debug|info|warn|error, got "loud")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("plugins":{"dir":""})")) ==
        R"(plugins.dir: expected a non-empty string, got "")");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("sessions":[])")) ==
        "sessions: expected an object, got []");
  CHECK(error_of("[1]") == "config: expected an object, got [1]");
}

TEST_CASE("config: a key given twice is an error, not a silent override") {
  CHECK(error_of(R"({"handler":{"bind":"a:1","bind":"b:2"},"routes":[]})") == "handler.bind: duplicate key");
  CHECK(error_of(R"({"routes":[{"listener":{"port":1,"socktype":"tcp"},"codec":"a"},
                               {"listener":{"port":2,"port":3,"socktype":"tcp"},"codec":"a"}]})") ==
        "routes[1].listener.port: duplicate key");
}

TEST_CASE("config: a key with control characters is quoted on one line") {
  CHECK(error_of(R"({"routes":[],"a\nb":1,"a\nb":2})") == R"(a\x0ab: duplicate key)");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("log":{"lev\rel":"info"})")) ==
        R"(log.lev\x0del: unknown key)");
}

TEST_CASE("config: an empty key is named in the path (fuzz finding)") {
  CHECK(error_of(R"({"":1,"routes":[{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}]})") == R"("": unknown key)");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("log":{"":1})")) ==
        R"(log."": unknown key)");
  CHECK(error_of(R"({"log":{"":1,"":2}})") == R"(log."": duplicate key)");
}

TEST_CASE("config: malformed JSON names line and column") {
  CHECK(error_of("{\n  \"routes\": [,]\n}").starts_with("invalid JSON: parse error at line 2, column 14"));
}

TEST_CASE("config: a number beyond a double is an error, not an exception (fuzz finding)") {
  CHECK(error_of(R"({"routes":[],"sessions":{"workers":7e6668}})") ==
        "invalid JSON: number overflow parsing '7e6668'");
  CHECK(error_of("7e6668") == "invalid JSON: number overflow parsing '7e6668'");
}

TEST_CASE("config: host:port accepts names, IPv4, bracketed IPv6 and port 0 only for bind") {
  const std::string routes = R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])";
  CHECK(parse_config(doc(routes, R"("handler":{"bind":"[::]:0","allow_plaintext_non_loopback":true})")).has_value());
  CHECK(parse_config(doc(routes, R"("adapter":{"address":"emqx.local:9100"})")).has_value());
  CHECK_FALSE(parse_config(doc(routes, R"("adapter":{"address":"::1:9100"})")).has_value());
  CHECK_FALSE(parse_config(doc(routes, R"("adapter":{"address":"h:65536"})")).has_value());
  CHECK_FALSE(parse_config(doc(routes, R"("adapter":{"address":":9100"})")).has_value());
  CHECK_FALSE(parse_config(doc(routes, R"("adapter":{"address":"h:91x"})")).has_value());
}

TEST_CASE("config: load_config prefixes the file name") {
  const auto missing = load_config("/nonexistent/exproto.json");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error() == "/nonexistent/exproto.json: cannot open: No such file or directory");

  const auto file = std::filesystem::temp_directory_path() / ("exproto-config-test-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << R"({"routes":[{"listener":{"port":1,"socktype":"tcp"},"codec":"a","x":1}]})";
  const auto bad = load_config(file);
  std::filesystem::remove(file);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == file.string() + ": routes[0].x: unknown key");
}

TEST_CASE("config: to_string(SockType)") {
  CHECK(to_string(SockType::tcp) == "tcp");
  CHECK(to_string(SockType::ssl) == "ssl");
  CHECK(to_string(SockType::udp) == "udp");
  CHECK(to_string(SockType::dtls) == "dtls");
}

TEST_CASE("config: every example in config/ parses") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(EXPROTO_EXAMPLE_CONFIG_DIR)) {
    if (entry.path().extension() != ".json") continue;
    CAPTURE(entry.path().string());
    const auto c = load_config(entry.path());
    CHECK_MESSAGE(c.has_value(), (c ? "" : c.error()));
    ++count;
  }
  CHECK(count >= 3);
  // The packaged /etc/exproto-host/exproto-host.json, too.
  const auto packaged = load_config(std::filesystem::path(EXPROTO_EXAMPLE_CONFIG_DIR) / "../deploy/exproto-host.json");
  CHECK_MESSAGE(packaged.has_value(), (packaged ? "" : packaged.error()));
}

TEST_CASE("config: hot reload settings (route policy, plugins watch, admin endpoint)") {
  const auto c = parse_config(doc(
      R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"line","reload":"drain","drain_deadline_ms":5000},
          {"listener":{"port":7994,"socktype":"tcp"},"codec":"line"}])",
      R"("plugins":{"watch":false,"debounce_ms":50,"max_generations":3},"admin":{"bind":"127.0.0.1:9002"})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->routes[0].reload == ReloadPolicy::drain);
  CHECK(c->routes[0].drain_deadline_ms == 5000);
  CHECK(c->routes[1].reload == ReloadPolicy::automatic);
  CHECK_FALSE(c->plugins.watch);
  CHECK(c->plugins.debounce_ms == 50);
  CHECK(c->plugins.max_generations == 3);
  CHECK(c->admin.bind == "127.0.0.1:9002");
  CHECK(parse_config(doc()).value().admin.bind.empty());
  CHECK(parse_config(doc()).value().plugins.watch);

  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line","reload":"hot"}])")) ==
        "routes[0].reload: expected one of migrate|drain|restart, got \"hot\"");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])",
                     R"("admin":{"bind":"0.0.0.0:9002"})")) ==
        "admin.bind: expected a numeric loopback address (127.x.x.x or [::1]), never a name, got \"0.0.0.0:9002\"");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])", R"("plugins":{"watch":1})")) ==
        "plugins.watch: expected true or false, got 1");
}

TEST_CASE("config: reliability settings (adapter failover and outage policy, byte limits, probes, watchdog, shutdown)") {
  const std::string routes = R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])";
  auto c = parse_config(doc(routes, R"("adapter":{"addresses":["10.0.0.1:9100","10.0.0.2:9100"],
      "reconnect_min_ms":50,"reconnect_max_ms":1000,"when_unavailable":"hold","hold_ms":3000},
      "sessions":{"max_queued_bytes":65536,"max_total_queued_bytes":1048576,"probe_idle_s":30,"probe_rate":100,
                  "hook_timeout_ms":200,"max_extra_workers":2},
      "shutdown":{"grace_ms":1500})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->adapter.addresses == std::vector<std::string>{"10.0.0.1:9100", "10.0.0.2:9100"});
  CHECK(c->adapter.reconnect_min_ms == 50);
  CHECK(c->adapter.reconnect_max_ms == 1000);
  CHECK(c->adapter.when_unavailable == WhenUnavailable::hold);
  CHECK(c->adapter.hold_ms == 3000);
  CHECK(c->sessions.max_queued_bytes == 65536);
  CHECK(c->sessions.max_total_queued_bytes == 1048576);
  CHECK(c->sessions.probe_idle_s == 30);
  CHECK(c->sessions.probe_rate == 100);
  CHECK(c->sessions.hook_timeout_ms == 200);
  CHECK(c->sessions.max_extra_workers == 2);
  CHECK(c->shutdown.grace_ms == 1500);

  const Config defaults;
  CHECK(defaults.adapter.reconnect_max_ms <= 5000);  // seconds, not gRPC's two minutes
  CHECK(defaults.adapter.when_unavailable == WhenUnavailable::fail);

  CHECK(error_of(doc(routes, R"("adapter":{"address":"a:1","addresses":["b:1"]})")) ==
        "adapter.addresses: give either address or addresses, not both");
  CHECK(error_of(doc(routes, R"("adapter":{"addresses":[]})")) ==
        R"(adapter.addresses: expected an array of 1..16 "host:port" strings, got [])");
  CHECK(error_of(doc(routes, R"("adapter":{"addresses":["a:1","x"]})")) ==
        R"(adapter.addresses[1]: expected "host:port", got "x")");
  CHECK(error_of(doc(routes, R"("adapter":{"addresses":["a:1","a:1"]})")) == "adapter.addresses[1]: listed twice");
  CHECK(error_of(doc(routes, R"("adapter":{"reconnect_min_ms":500,"reconnect_max_ms":100})")) ==
        "adapter.reconnect_max_ms: must be at least reconnect_min_ms (500)");
  CHECK(error_of(doc(routes, R"("adapter":{"when_unavailable":"queue"})")) ==
        R"(adapter.when_unavailable: expected one of fail|hold, got "queue")");
  CHECK(error_of(doc(routes, R"("sessions":{"max_queued_bytes":4096,"max_total_queued_bytes":2048})")) ==
        "sessions.max_total_queued_bytes: must be 0 or at least max_queued_bytes (4096)");
  CHECK(error_of(doc(routes, R"("sessions":{"hook_timeout_ms":1})")) ==
        "sessions.hook_timeout_ms: expected an integer in 10..3600000, got 1");
  CHECK(error_of(doc(routes, R"("shutdown":{"grace":1})")) == "shutdown.grace: unknown key");
}

TEST_CASE("config: process isolation (route isolation, hook timeout, isolation section)") {
  const auto c = parse_config(doc(
      R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"line","isolation":"process"},
          {"listener":{"port":7994,"socktype":"tcp"},"codec":"line","isolation":"in_process"},
          {"listener":{"port":7995,"socktype":"tcp"},"codec":"line"}])",
      R"("sessions":{"hook_timeout_ms":250},
         "isolation":{"runner":"/usr/bin/exproto-host","restart_backoff_ms":20,"restart_backoff_max_ms":400,
                      "rollback_crashes":0,"rollback_window_ms":1000})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK(c->routes[0].isolation == Isolation::process);
  CHECK(c->routes[1].isolation == Isolation::in_process);
  CHECK(c->routes[2].isolation == Isolation::in_process);
  CHECK(c->sessions.hook_timeout_ms == 250);
  CHECK(c->isolation.runner == "/usr/bin/exproto-host");
  CHECK(c->isolation.restart_backoff_ms == 20);
  CHECK(c->isolation.restart_backoff_max_ms == 400);
  CHECK(c->isolation.rollback_crashes == 0);
  CHECK(c->isolation.rollback_window_ms == 1000);

  const auto d = parse_config(doc()).value();
  CHECK(d.sessions.hook_timeout_ms == 5000);
  CHECK(d.isolation.runner.empty());
  CHECK(d.isolation.restart_backoff_ms == 100);
  CHECK(d.isolation.restart_backoff_max_ms == 10000);
  CHECK(d.isolation.rollback_crashes == 3);
  CHECK(d.isolation.rollback_window_ms == 30000);

  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line","isolation":"child"}])")) ==
        "routes[0].isolation: expected one of in_process|process, got \"child\"");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])",
                     R"("sessions":{"hook_timeout_ms":0})")) ==
        "sessions.hook_timeout_ms: expected an integer in 10..3600000, got 0");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])",
                     R"("isolation":{"restart_backoff_ms":500,"restart_backoff_max_ms":100})")) ==
        "isolation.restart_backoff_max_ms: must be at least restart_backoff_ms (500)");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])",
                     R"("isolation":{"runner":""})")) == "isolation.runner: expected a non-empty string, got \"\"");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"line"}])", R"("isolation":{"chanels":2})")) ==
        "isolation.chanels: unknown key");
}

TEST_CASE("config: plugins trust keys — strict by default, keys parsed, a required signature needs a key") {
  const std::string route = R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])";
  const auto d = parse_config(doc(route));
  REQUIRE(d.has_value());
  CHECK(d->plugins.trust_strict);
  CHECK_FALSE(d->plugins.require_signature);
  CHECK(d->plugins.trusted_keys.empty());
  const std::string key = exproto::host::format_public_key(exproto::host::Ed25519PublicKey{9});
  const auto c = parse_config(doc(route, R"("plugins":{"trust":"off","max_file_bytes":1048576,"require_signature":true,
      "trusted_keys":[{"name":"acme","public_key":")" + key + R"("}]})"));
  REQUIRE_MESSAGE(c.has_value(), (c ? "" : c.error()));
  CHECK_FALSE(c->plugins.trust_strict);
  CHECK(c->plugins.max_file_bytes == 1048576);
  CHECK(c->plugins.require_signature);
  REQUIRE(c->plugins.trusted_keys.size() == 1);
  CHECK(c->plugins.trusted_keys[0].name == "acme");
  CHECK(c->plugins.trusted_keys[0].public_key == key);

  CHECK(error_of(doc(route, R"("plugins":{"trust":"lax"})")) == "plugins.trust: expected one of strict|off, got \"lax\"");
  CHECK(error_of(doc(route, R"("plugins":{"require_signature":true})")) ==
        "plugins.require_signature: needs at least one key in plugins.trusted_keys");
  CHECK(error_of(doc(route, R"("plugins":{"trusted_keys":[{"name":"acme","public_key":"abc"}]})")) ==
        "plugins.trusted_keys[0].public_key: expected the base64 of a 32-byte Ed25519 public key (as printed by "
        "exproto-codec-sign keygen), got \"abc\"");
  CHECK(error_of(doc(route, R"("plugins":{"trusted_keys":[{"public_key":")" + key + R"("}]})")) ==
        "plugins.trusted_keys[0].name: required");
  CHECK(error_of(doc(route, R"("plugins":{"trusted_keys":{}})")) ==
        "plugins.trusted_keys: expected an array of at most 64 {\"name\", \"public_key\"} objects, got {}");
}

// Native mode (docs/native-mode.md): the host owns the sockets, routes bind them, mqtt replaces
// handler/adapter; a key of the other mode is an error that names the mode it belongs to.
namespace {
std::string native_doc(const std::string& routes, const std::string& extra = "") {
  return doc(routes, R"("mode":"native")" + (extra.empty() ? "" : "," + extra));
}
const std::string kNativeRoute = R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp"},"codec":"jt808"}])";
}  // namespace

TEST_CASE("config: mode defaults to exproto; native mode reads mqtt and listener binds") {
  const auto e = parse_config(doc());
  REQUIRE(e.has_value());
  CHECK(e->mode == Mode::exproto);
  CHECK(e->routes[0].listener_bind.empty());

  const auto n = parse_config(native_doc(
      R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp"},"codec":"jt808","config":{"a":1}},
          {"listener":{"bind":"[::1]:7994","socktype":"udp"},"codec":"line"}])",
      R"("mqtt":{"server":"broker.example:8883","protocol_version":"3.1.1","keepalive_s":30,
                 "clientid_prefix":"jt808-","connect_timeout_ms":2000,"reconnect_min_ms":50,"reconnect_max_ms":900})"));
  REQUIRE_MESSAGE(n.has_value(), (n ? "" : n.error()));
  CHECK(n->mode == Mode::native);
  CHECK(to_string(n->mode) == "native");
  CHECK(n->mqtt.server == "broker.example:8883");
  CHECK(n->mqtt.protocol_version == MqttVersion::v3_1_1);
  CHECK(n->mqtt.keepalive_s == 30);
  CHECK(n->mqtt.clientid_prefix == "jt808-");
  CHECK(n->mqtt.connect_timeout_ms == 2000);
  CHECK(n->mqtt.reconnect_min_ms == 50);
  CHECK(n->mqtt.reconnect_max_ms == 900);
  CHECK_FALSE(n->mqtt.tls.has_value());
  REQUIRE(n->routes.size() == 2);
  CHECK(n->routes[0].listener_bind == "0.0.0.0:7993");
  CHECK(n->routes[0].listener.port == 7993);  // routing keeps its (port, socktype) key
  CHECK(n->routes[0].listener.socktype == SockType::tcp);
  CHECK(n->routes[0].config_json == R"({"a":1})");
  CHECK(n->routes[1].listener_bind == "[::1]:7994");
  CHECK(n->routes[1].listener.socktype == SockType::udp);
  CHECK(n->routes[0].listener_idle_timeout_s == 30);  // EMQX's idle_timeout default

  const auto d = parse_config(native_doc(kNativeRoute));
  REQUIRE(d.has_value());
  CHECK(d->mqtt.server == "127.0.0.1:1883");
  CHECK(d->mqtt.protocol_version == MqttVersion::v5);
  CHECK(d->mqtt.keepalive_s == 60);
}

TEST_CASE("config: a key of the other mode is an error that says which mode it belongs to") {
  CHECK(error_of(native_doc(R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"jt808"}])")) ==
        "routes[0].listener.port: is the exproto-mode key; native mode names the socket with bind (\"host:port\")");
  CHECK(error_of(doc(R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp"},"codec":"jt808"}])")) ==
        "routes[0].listener.bind: only in native mode (\"mode\": \"native\"); in exproto mode EMQX owns the socket "
        "and a route names the listener's port");
  CHECK(error_of(doc(R"([{"listener":{"port":7993,"socktype":"tcp"},"codec":"jt808"}])",
                     R"("mqtt":{"server":"127.0.0.1:1883"})")) ==
        "mqtt: only in native mode (\"mode\": \"native\"); exproto mode reaches EMQX through adapter");
  CHECK(error_of(native_doc(kNativeRoute, R"("handler":{"bind":"127.0.0.1:9001"})")) ==
        "handler: only in exproto mode; in native mode the host accepts devices itself and talks MQTT (configure "
        "mqtt, routes[].listener.bind)");
  CHECK(error_of(native_doc(kNativeRoute, R"("adapter":{"address":"127.0.0.1:9100"})")).starts_with(
      "adapter: only in exproto mode;"));
  CHECK(error_of(doc(R"([{"listener":{"port":7993,"socktype":"ssl","tls":{}},"codec":"jt808"}])")) ==
        "routes[0].listener.tls: only in native mode; in exproto mode EMQX terminates TLS");
  CHECK(error_of(doc(R"([{"listener":{"port":1,"socktype":"tcp"},"codec":"a"}])", R"("mode":"mqtt")")) ==
        "mode: expected one of exproto|native, got \"mqtt\"");
}

TEST_CASE("config: native listener caps, max_connections for tcp and ssl, max_peers for udp") {
  const auto tcp = parse_config(
      native_doc(R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp","max_connections":50000},"codec":"jt808"}])"));
  REQUIRE_MESSAGE(tcp.has_value(), (tcp ? "" : tcp.error()));
  CHECK(tcp->routes[0].listener_max_connections == 50000);
  CHECK(tcp->routes[0].listener_max_peers == 0);
  const auto udp = parse_config(
      native_doc(R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"udp","max_peers":7},"codec":"jt808"}])"));
  REQUIRE_MESSAGE(udp.has_value(), (udp ? "" : udp.error()));
  CHECK(udp->routes[0].listener_max_peers == 7);
  const auto none = parse_config(native_doc(kNativeRoute));
  REQUIRE(none.has_value());
  CHECK(none->routes[0].listener_max_connections == 0);  // no cap unless asked for
  CHECK(none->routes[0].listener_max_peers == 0);

  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"udp","max_connections":5},"codec":"jt808"}])")) ==
        "routes[0].listener.max_connections: only for socktype tcp and ssl; a udp listener caps its peers with "
        "max_peers");
  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp","max_peers":5},"codec":"jt808"}])")) ==
        "routes[0].listener.max_peers: only for socktype udp; a tcp or ssl listener caps its connections with "
        "max_connections");
  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp","max_connections":-1},"codec":"jt808"}])")) ==
        "routes[0].listener.max_connections: expected an integer in 0..10000000, got -1");
  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"udp","max_peers":"many"},"codec":"jt808"}])")) ==
        "routes[0].listener.max_peers: expected an integer in 0..10000000, got \"many\"");
  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"ssl","max_connections":10000001},"codec":"jt808"}])")) ==
        "routes[0].listener.max_connections: expected an integer in 0..10000000, got 10000001");
  CHECK(error_of(doc(R"([{"listener":{"port":7993,"socktype":"tcp","max_connections":5},"codec":"jt808"}])")) ==
        "routes[0].listener.max_connections: unknown key");
}

TEST_CASE("config: native listeners and mqtt are validated with key paths") {
  CHECK(error_of(native_doc(R"([{"listener":{"socktype":"tcp"},"codec":"jt808"}])")) ==
        "routes[0].listener.bind: required");
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0","socktype":"tcp"},"codec":"jt808"}])")) ==
        "routes[0].listener.bind: expected \"host:port\", got \"0.0.0.0\"");
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0:0","socktype":"tcp"},"codec":"jt808"}])")) ==
        "routes[0].listener.bind: expected \"host:port\", got \"0.0.0.0:0\"");
  const auto idle = parse_config(
      native_doc(R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"udp","idle_timeout_s":0},"codec":"jt808"}])"));
  REQUIRE_MESSAGE(idle.has_value(), (idle ? "" : idle.error()));
  CHECK(idle->routes[0].listener_idle_timeout_s == 0);
  CHECK(error_of(native_doc(
            R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp","idle_timeout_s":86401},"codec":"jt808"}])")) ==
        "routes[0].listener.idle_timeout_s: expected an integer in 0..86400, got 86401");
  CHECK(error_of(doc(R"([{"listener":{"port":7993,"socktype":"tcp","idle_timeout_s":5},"codec":"jt808"}])")) ==
        "routes[0].listener.idle_timeout_s: unknown key");
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0:5684","socktype":"dtls"},"codec":"jt808"}])")) ==
        "routes[0].listener.socktype: expected one of tcp|ssl|udp, got \"dtls\"");
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0:8883","socktype":"ssl"},"codec":"jt808"}])")) ==
        "routes[0].listener.tls: required");
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0:1","socktype":"tcp","tls":{}},"codec":"jt808"}])"))
            .starts_with("routes[0].listener.tls."));
  CHECK(error_of(native_doc(R"([{"listener":{"bind":"0.0.0.0:7993","socktype":"tcp"},"codec":"a"},
                                {"listener":{"bind":"127.0.0.1:7993","socktype":"tcp"},"codec":"b"}])")) ==
        "routes: two routes for listener tcp:7993 (native mode routes by socktype and port, whatever the bind address)");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"server":"broker"})")) ==
        "mqtt.server: expected \"host:port\", got \"broker\"");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"protocol_version":"4"})")) ==
        "mqtt.protocol_version: expected one of 5|3.1.1, got \"4\"");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"keepalive_s":65536})")) ==
        "mqtt.keepalive_s: expected an integer in 0..65535, got 65536");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"clientid_prefix":"a b"})")) ==
        "mqtt.clientid_prefix: expected printable ASCII without spaces, got \"a b\"");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"host_clientid":"gw\u00e9"})")).starts_with(
        "mqtt.host_clientid: expected printable ASCII without spaces"));
  CHECK(parse_config(native_doc(kNativeRoute, R"("mqtt":{"host_clientid":"gateway-7"})"))->mqtt.host_clientid == "gateway-7");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"reconnect_min_ms":500,"reconnect_max_ms":100})")) ==
        "mqtt.reconnect_max_ms: must be at least reconnect_min_ms (500)");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"tls":{}})")) == "mqtt.tls.ca_file: required");
  CHECK(error_of(native_doc(kNativeRoute, R"("mqtt":{"sever":"x:1"})")) == "mqtt.sever: unknown key");
}

TEST_CASE("config schema: described by the readers themselves, one branch per mode") {
  const auto schema = config_schema();
  REQUIRE(schema["oneOf"].size() == 2);
  const auto& exproto = schema["oneOf"][0];
  const auto& native = schema["oneOf"][1];
  CHECK(exproto["additionalProperties"] == false);
  CHECK(exproto["required"] == nlohmann::json::array({"routes"}));
  CHECK(exproto["properties"].contains("handler"));
  CHECK_FALSE(exproto["properties"].contains("mqtt"));
  CHECK(native["properties"].contains("mqtt"));
  CHECK_FALSE(native["properties"].contains("adapter"));
  CHECK(native["properties"]["mode"]["const"] == "native");
  // Bounds and defaults come from the reader's calls and Config's defaults.
  const auto& gens = exproto["properties"]["plugins"]["properties"]["max_generations"];
  CHECK(gens["minimum"] == 2);
  CHECK(gens["maximum"] == 64);
  CHECK(gens["default"] == Config{}.plugins.max_generations);
  CHECK(exproto["properties"]["log"]["properties"]["level"]["enum"] ==
        nlohmann::json::array({"trace", "debug", "info", "warn", "error"}));
  const auto& route = exproto["properties"]["routes"]["items"];
  CHECK(route["properties"]["listener"]["required"] == nlohmann::json::array({"port", "socktype"}));
  CHECK(native["properties"]["routes"]["items"]["properties"]["listener"]["properties"].contains("bind"));
}
