// The config file's schema: defaults come from config.h, every key is checked here, and the first
// problem is reported as "<key path>: <problem>".
#include "host/config/config.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "host/config/host_port.h"
#include "host/config/ip_address.h"
#include "host/config/json_fields.h"
#include "host/config/pem_files.h"
#include "host/config/strict_json.h"
#include "host/registry/codec_name.h"
#include "host/registry/codec_signature.h"

namespace exproto::host {
namespace {

using config_detail::describe;
using config_detail::Fields;
using config_detail::FirstError;
using config_detail::join;
using nlohmann::json;

constexpr uint64_t kMaxU32 = 0xFFFFFFFFu;
constexpr uint64_t kMaxCount = 1u << 24;  // far above any sane per-session bound; catches typos

std::function<std::string(std::string_view)> host_port_check(uint32_t min_port) {
  return [min_port](std::string_view s) -> std::string {
    return is_host_port(s, min_port) ? "" : "expected \"host:port\"";
  };
}

std::string non_empty(std::string_view s) { return s.empty() ? "expected a non-empty string" : ""; }

std::string codec_name_check(std::string_view s) {
  return is_valid_codec_name(s) ? "" : "expected a codec name matching [a-z0-9_-]{1,64}";
}

// A TLS file key: the path is stored in `out` and the content returned, or the key fails with the
// OS error. Absent and not required: nothing.
std::optional<std::string> read_tls_file(Fields& f, std::string_view key, std::filesystem::path& out,
                                         bool required) {
  std::string text;
  f.text(key, text, required, non_empty);
  if (!f.ok() || text.empty()) return std::nullopt;
  out = text;
  auto content = read_text_file(out);
  if (!content) {
    f.fail(key, content.error());
    return std::nullopt;
  }
  return std::move(*content);
}

void check_certificates(Fields& f, std::string_view key, const std::optional<std::string>& pem, bool identity) {
  if (!f.ok() || !pem) return;
  if (std::string problem = check_pem_certificates(*pem, identity); !problem.empty()) f.fail(key, problem);
}

// A certificate chain and its key, both given or both absent (`required`: both given).
void read_identity(Fields& f, std::filesystem::path& cert_file, std::filesystem::path& key_file, bool required) {
  const auto cert = read_tls_file(f, "cert_file", cert_file, required);
  const auto key = read_tls_file(f, "key_file", key_file, required);
  if (!f.ok()) return;
  if (key && !cert) return f.fail("cert_file", "required when key_file is set");
  if (cert && !key) return f.fail("key_file", "required when cert_file is set");
  if (!cert) return;
  check_certificates(f, "cert_file", cert, true);
  if (!f.ok()) return;
  if (std::string problem = check_pem_private_key(*key); !problem.empty()) return f.fail("key_file", problem);
  if (std::string problem = check_key_matches_certificate(*cert, *key); !problem.empty()) {
    f.fail("key_file", problem);
  }
}

void read_handler_tls(Fields& f, HandlerTls& out) {
  read_identity(f, out.cert_file, out.key_file, true);
  check_certificates(f, "client_ca_file", read_tls_file(f, "client_ca_file", out.client_ca_file, false), false);
  // gRPC re-reads the files on this period; a day bounds how stale a rotated certificate may be.
  f.number("refresh_s", out.refresh_s, 1, 86400);
}

void read_adapter_tls(Fields& f, AdapterTls& out) {
  check_certificates(f, "ca_file", read_tls_file(f, "ca_file", out.ca_file, true), false);
  read_identity(f, out.cert_file, out.key_file, false);
  f.text("server_name", out.server_name, non_empty);
}

void read_allow_peers(Fields& f, std::vector<IpRange>& out) {
  f.describe_key("allow_peers", {{"type", "array"}, {"minItems", 1}, {"maxItems", 1024},
                             {"items", {{"type", "string"}, {"description", "numeric IP address or CIDR range"}}}});
  const json* list = f.get("allow_peers");
  if (list == nullptr) return;
  // An empty list would refuse every caller: almost certainly a mistake, so say so.
  if (!list->is_array() || list->empty() || list->size() > 1024) {
    return f.fail("allow_peers", "expected an array of 1..1024 IP addresses or CIDR ranges, got " + describe(*list));
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    std::optional<IpRange> range;
    if (item.is_string()) range = parse_ip_range(item.get<std::string>());
    if (!range) {
      return f.fail("allow_peers[" + std::to_string(i) + "]",
                    "expected a numeric IP address or CIDR range (\"10.0.0.5\", \"10.0.0.0/8\", \"fd00::/8\"), got " +
                        describe(item));
    }
    out.push_back(std::move(*range));
  }
}

void read_handler(Fields& f, HandlerConfig& out) {
  f.text("bind", out.bind, host_port_check(0));
  // gRPC keeps message limits in an int.
  f.number("max_receive_bytes", out.max_receive_bytes, 1024, 0x7FFFFFFF);
  f.object("tls", [&](Fields& t) { read_handler_tls(t, out.tls.emplace()); });
  f.flag("allow_plaintext_non_loopback", out.allow_plaintext_non_loopback);
  read_allow_peers(f, out.allow_peers);
  // gRPC keeps both in an int.
  f.number("max_concurrent_streams", out.max_concurrent_streams, 1, 0x7FFFFFFF);
  f.number("max_calls_per_peer", out.max_calls_per_peer, 1, 0x7FFFFFFF);
  if (f.ok() && !out.tls && !out.allow_plaintext_non_loopback && !is_numeric_loopback(out.bind)) {
    f.fail("bind", "\"" + out.bind +
                       "\" is not a loopback address and the port is plaintext: anyone who reaches it can inject "
                       "events for any device; configure handler.tls (with client_ca_file), bind 127.0.0.1, or set "
                       "handler.allow_plaintext_non_loopback: true to accept the risk");
  }
}

void read_addresses(Fields& f, std::vector<std::string>& out) {
  if (f.describing()) {
    f.describe_key("address", {{"type", "string"}, {"default", out.empty() ? std::string() : out.front()},
                           {"description", "host:port of EMQX's ConnectionAdapter (or addresses)"}});
    f.describe_key("addresses", {{"type", "array"}, {"minItems", 1}, {"maxItems", 16}, {"items", {{"type", "string"}}},
                             {"description", "host:port of each EMQX node, first reachable wins"}});
    return;
  }
  const json* one = f.get("address");
  const json* many = f.get("addresses");
  if (one != nullptr && many != nullptr) return f.fail("addresses", "give either address or addresses, not both");
  if (one != nullptr) {
    std::string address;
    f.text("address", address, host_port_check(1));
    if (f.ok()) out = {address};
    return;
  }
  if (many == nullptr) return;
  if (!many->is_array() || many->empty() || many->size() > 16) {
    return f.fail("addresses", "expected an array of 1..16 \"host:port\" strings, got " + describe(*many));
  }
  std::vector<std::string> list;
  for (std::size_t i = 0; i < many->size(); ++i) {
    const json& a = (*many)[i];
    const std::string key = "addresses[" + std::to_string(i) + "]";
    if (!a.is_string() || !is_host_port(a.get<std::string>(), 1)) {
      return f.fail(key, "expected \"host:port\", got " + describe(a));
    }
    if (std::find(list.begin(), list.end(), a.get<std::string>()) != list.end()) return f.fail(key, "listed twice");
    list.push_back(a.get<std::string>());
  }
  out = std::move(list);
}

void read_adapter(Fields& f, AdapterConfig& out) {
  read_addresses(f, out.addresses);
  f.number("timeout_ms", out.timeout_ms, 1, 3'600'000);
  f.number("channels", out.channels, 1, 64);
  f.object("tls", [&](Fields& t) { read_adapter_tls(t, out.tls.emplace()); });
  f.number("reconnect_min_ms", out.reconnect_min_ms, 10, 600'000);
  f.number("reconnect_max_ms", out.reconnect_max_ms, 10, 600'000);
  if (f.ok() && out.reconnect_max_ms < out.reconnect_min_ms) {
    f.fail("reconnect_max_ms", "must be at least reconnect_min_ms (" + std::to_string(out.reconnect_min_ms) + ")");
  }
  f.choice("when_unavailable", out.when_unavailable,
           {{"fail", WhenUnavailable::fail}, {"hold", WhenUnavailable::hold}});
  f.number("hold_ms", out.hold_ms, 1, 3'600'000);
}

void read_plugins(Fields& f, PluginsConfig& out) {
  std::string dir = out.dir.string();
  std::string work_dir = out.work_dir.string();
  f.text("dir", dir, non_empty);
  f.text("work_dir", work_dir);
  out.dir = dir;
  out.work_dir = work_dir;
  f.flag("watch", out.watch);
  f.number("debounce_ms", out.debounce_ms, 0, 60000);
  f.number("max_generations", out.max_generations, 2, 64);
  f.choice("trust", out.trust_strict, {{"strict", true}, {"off", false}});
  f.number("max_file_bytes", out.max_file_bytes, 4096, uint64_t{1} << 34);
  f.describe_key("trusted_keys",
             {{"type", "array"},
              {"maxItems", 64},
              {"items", f.schema_of("trusted_keys[]", [](Fields& kf) {
                 std::string ignored;
                 kf.text("name", ignored, true, non_empty);
                 kf.text("public_key", ignored, true, {});
               })}});
  if (const json* keys = f.get("trusted_keys"); keys != nullptr && f.ok()) {
    if (!keys->is_array() || keys->size() > 64) {
      f.fail("trusted_keys", "expected an array of at most 64 {\"name\", \"public_key\"} objects, got " + describe(*keys));
    }
    for (std::size_t i = 0; f.ok() && i < keys->size(); ++i) {
      PluginsConfig::Key k;
      Fields kf((*keys)[i], join(f.path(), "trusted_keys[" + std::to_string(i) + "]"), f.errors());
      if (!kf.ok()) break;
      kf.text("name", k.name, true, non_empty);
      kf.text("public_key", k.public_key, true, [](std::string_view s) -> std::string {
        auto key = parse_public_key(s);
        return key ? "" : key.error() + " (as printed by exproto-codec-sign keygen)";
      });
      kf.finish();
      out.trusted_keys.push_back(std::move(k));
    }
  }
  f.flag("require_signature", out.require_signature);
  if (f.ok() && out.require_signature && out.trusted_keys.empty()) {
    f.fail("require_signature", "needs at least one key in plugins.trusted_keys");
  }
}

void read_admin(Fields& f, AdminConfig& out) {
  // The admin service can replace code in the process: it must never face the network. A name is
  // refused even when it looks local ("127.evil.example", "localhost"): DNS decides what it is.
  f.text("bind", out.bind, [](std::string_view s) -> std::string {
    if (!is_host_port(s, 0)) return "expected \"host:port\"";
    return is_numeric_loopback(s) ? "" : "expected a numeric loopback address (127.x.x.x or [::1]), never a name";
  });
  std::string socket;
  // sun_path holds 108 bytes with its terminating NUL.
  f.text("socket", socket, [](std::string_view s) -> std::string {
    if (s.empty() || s.size() > 107) return "expected a path of 1..107 bytes";
    return s.find('\0') == std::string_view::npos ? "" : "expected a path without NUL bytes";
  });
  out.socket = socket;
  f.text("socket_group", out.socket_group, non_empty);
  if (!f.ok()) return;
  if (!out.socket.empty() && !out.bind.empty()) return f.fail("bind", "give either socket or bind, not both");
  if (!out.socket_group.empty() && out.socket.empty()) f.fail("socket_group", "only with socket");
}

void read_sessions(Fields& f, SessionsConfig& out) {
  f.number("workers", out.workers, 0, 1024);
  f.number("max_queued_events", out.max_queued_events, 1, kMaxCount);
  f.number("max_pending_calls", out.max_pending_calls, 1, kMaxCount);
  f.number("max_timers", out.max_timers, 0, kMaxCount);
  f.choice("unknown_conn", out.unknown_conn,
           {{"close", UnknownConnPolicy::close},
            {"ignore", UnknownConnPolicy::ignore},
            {"reject", UnknownConnPolicy::reject}});
  f.number("stream_hold_ms", out.stream_hold_ms, 0, kMaxU32);
  f.number("max_held_events", out.max_held_events, 1, kMaxCount);
  f.number("max_queued_bytes", out.max_queued_bytes, 1024, uint64_t{1} << 40);
  f.number("max_total_queued_bytes", out.max_total_queued_bytes, 0, uint64_t{1} << 40);
  if (f.ok() && out.max_total_queued_bytes != 0 && out.max_total_queued_bytes < out.max_queued_bytes) {
    f.fail("max_total_queued_bytes", "must be 0 or at least max_queued_bytes (" +
                                         std::to_string(out.max_queued_bytes) + ")");
  }
  f.number("probe_idle_s", out.probe_idle_s, 0, 86400 * 7);
  f.number("probe_rate", out.probe_rate, 1, 1'000'000);
  f.number("hook_timeout_ms", out.hook_timeout_ms, 10, 3'600'000);
  f.flag("inline_hooks", out.inline_hooks);
  f.number("max_extra_workers", out.max_extra_workers, 0, 1024);
}

void read_isolation(Fields& f, IsolationConfig& out) {
  std::string runner = out.runner.string();
  f.text("runner", runner, non_empty);
  out.runner = runner;
  f.number("restart_backoff_ms", out.restart_backoff_ms, 1, 3'600'000);
  f.number("restart_backoff_max_ms", out.restart_backoff_max_ms, 1, 3'600'000);
  if (f.ok() && out.restart_backoff_max_ms < out.restart_backoff_ms) {
    f.fail("restart_backoff_max_ms", "must be at least restart_backoff_ms (" +
                                         std::to_string(out.restart_backoff_ms) + ")");
  }
  f.number("rollback_crashes", out.rollback_crashes, 0, 1000);
  f.number("rollback_window_ms", out.rollback_window_ms, 1, 86'400'000);
}

// The clientid goes into every CONNECT in front of the device's own: keep it short and printable
// so the broker's clientid rules (length, characters) are met by the device's part alone.
std::string clientid_text_check(std::string_view s) {
  if (s.size() > 64) return "expected at most 64 characters";
  for (const char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return "expected printable ASCII without spaces";
    }
  }
  return "";
}

void read_mqtt(Fields& f, MqttConfig& out) {
  f.text("server", out.server, host_port_check(1));
  f.choice("protocol_version", out.protocol_version, {{"5", MqttVersion::v5}, {"3.1.1", MqttVersion::v3_1_1}});
  f.number("keepalive_s", out.keepalive_s, 0, 65535);  // a two-byte field in CONNECT
  f.text("clientid_prefix", out.clientid_prefix, clientid_text_check);
  f.text("host_clientid", out.host_clientid, clientid_text_check);
  f.number("connect_timeout_ms", out.connect_timeout_ms, 100, 600'000);
  f.number("reconnect_min_ms", out.reconnect_min_ms, 10, 600'000);
  f.number("reconnect_max_ms", out.reconnect_max_ms, 10, 600'000);
  if (f.ok() && out.reconnect_max_ms < out.reconnect_min_ms) {
    f.fail("reconnect_max_ms", "must be at least reconnect_min_ms (" + std::to_string(out.reconnect_min_ms) + ")");
  }
  f.object("tls", [&](Fields& t) { read_adapter_tls(t, out.tls.emplace()); });
}

// A key that belongs to the other mode is an error that says which mode it belongs to, so a
// config half-converted from exproto to native mode fails loudly instead of being half ignored.
void refuse_other_mode_keys(Fields& root, Mode mode) {
  if (mode == Mode::native) {
    for (const char* key : {"handler", "adapter"}) {
      if (root.get(key) != nullptr) {
        return root.fail(key, "only in exproto mode; in native mode the host accepts devices itself and talks MQTT "
                              "(configure mqtt, routes[].listener.bind)");
      }
    }
  } else if (root.get("mqtt") != nullptr) {
    root.fail("mqtt", "only in native mode (\"mode\": \"native\"); exproto mode reaches EMQX through adapter");
  }
}

void read_shutdown(Fields& f, ShutdownConfig& out) { f.number("grace_ms", out.grace_ms, 0, 3'600'000); }

void read_log(Fields& f, LogConfig& out) {
  f.choice("level", out.level,
           {{"trace", std::string("trace")},
            {"debug", std::string("debug")},
            {"info", std::string("info")},
            {"warn", std::string("warn")},
            {"error", std::string("error")}});
  f.choice("format", out.format, {{"text", std::string("text")}, {"json", std::string("json")}});
}

// Exproto mode: EMQX reports the listener's port; the host never binds it.
void read_exproto_listener(Fields& l, Route& out) {
  if (l.get("bind") != nullptr) {
    return l.fail("bind", "only in native mode (\"mode\": \"native\"); in exproto mode EMQX owns the socket and a "
                          "route names the listener's port");
  }
  if (l.get("tls") != nullptr) return l.fail("tls", "only in native mode; in exproto mode EMQX terminates TLS");
  l.number("port", out.listener.port, 1, 65535, true);
  l.choice("socktype", out.listener.socktype,
           {{"tcp", SockType::tcp}, {"ssl", SockType::ssl}, {"udp", SockType::udp}, {"dtls", SockType::dtls}}, true);
}

// A cap above what one host can hold (fds, 4 KiB per device) is a typo, not a plan.
constexpr uint64_t kMaxListenerCap = 10'000'000;

// Native mode: the host binds the socket itself, so the route names the address.
void read_native_listener(Fields& l, Route& out) {
  if (l.get("port") != nullptr) {
    return l.fail("port", "is the exproto-mode key; native mode names the socket with bind (\"host:port\")");
  }
  l.text("bind", out.listener_bind, true, host_port_check(1));
  // DTLS needs a cookie exchange and a demultiplexer of its own: not offered yet (docs/native-mode.md).
  l.choice("socktype", out.listener.socktype, {{"tcp", SockType::tcp}, {"ssl", SockType::ssl}, {"udp", SockType::udp}},
           true);
  if (!l.ok()) return;
  if (!out.listener_bind.empty()) {  // empty only when describing the schema
    out.listener.port = static_cast<uint32_t>(std::stoul(out.listener_bind.substr(out.listener_bind.rfind(':') + 1)));
  }
  l.number("idle_timeout_s", out.listener_idle_timeout_s, 0, 86400);
  l.number("max_connections", out.listener_max_connections, 0, kMaxListenerCap);
  l.number("max_peers", out.listener_max_peers, 0, kMaxListenerCap);
  const bool udp = out.listener.socktype == SockType::udp;
  if (l.ok() && udp && l.get("max_connections") != nullptr) {
    return l.fail("max_connections", "only for socktype tcp and ssl; a udp listener caps its peers with max_peers");
  }
  if (l.ok() && !udp && l.get("max_peers") != nullptr) {
    return l.fail("max_peers", "only for socktype udp; a tcp or ssl listener caps its connections with max_connections");
  }
  const bool ssl = out.listener.socktype == SockType::ssl;
  l.object("tls", [&](Fields& t) { read_handler_tls(t, out.listener_tls.emplace()); }, ssl);
  if (l.ok() && !ssl && out.listener_tls) l.fail("tls", "only for socktype ssl");
}

void read_route(Fields& f, Route& out, Mode mode) {
  f.object(
      "listener",
      [&](Fields& l) { mode == Mode::native ? read_native_listener(l, out) : read_exproto_listener(l, out); },
      true);
  f.text("codec", out.codec, true, codec_name_check);
  f.choice("reload", out.reload,
           {{"migrate", ReloadPolicy::migrate}, {"drain", ReloadPolicy::drain}, {"restart", ReloadPolicy::restart}});
  f.number("drain_deadline_ms", out.drain_deadline_ms, 0, kMaxU32);
  f.choice("isolation", out.isolation, {{"in_process", Isolation::in_process}, {"process", Isolation::process}});
  out.config_json = "{}";
  f.describe_key("config", {{"type", "object"}, {"description", "handed to the codec as it is"}});
  if (const json* config = f.get("config")) {
    // The codec parses this itself; the host only guarantees it is an object.
    if (!config->is_object()) return f.fail("config", "expected an object, got " + describe(*config));
    out.config_json = config->dump();
  }
}

void read_routes(Fields& root, std::vector<Route>& out, Mode mode) {
  if (root.describing()) {
    Route defaults;
    root.describe_key("routes",
                  {{"type", "array"},
                   {"minItems", 1},
                   {"items", root.schema_of("routes[]", [&](Fields& f) { read_route(f, defaults, mode); })}},
                  true);
    return;
  }
  const json* routes = root.require("routes");
  if (routes == nullptr) return;
  if (!routes->is_array() || routes->empty()) {
    return root.fail("routes", "expected a non-empty array, got " + describe(*routes));
  }
  for (std::size_t i = 0; i < routes->size() && root.ok(); ++i) {
    Route route;
    Fields f((*routes)[i], "routes[" + std::to_string(i) + "]", root.errors());
    if (!f.ok()) return;
    read_route(f, route, mode);
    f.finish();
    out.push_back(std::move(route));
  }
  // EMQX reports each conn's listener; two codecs for one listener would make the choice arbitrary.
  // Native mode routes by the same key, so two binds of one port and socktype are refused too.
  std::set<std::pair<uint32_t, int>> seen;
  for (const Route& r : out) {
    if (!root.ok()) return;
    if (!seen.emplace(r.listener.port, static_cast<int>(r.listener.socktype)).second) {
      root.fail("routes", "two routes for listener " + std::string(to_string(r.listener.socktype)) + ":" +
                              std::to_string(r.listener.port) +
                              (mode == Mode::native ? " (native mode routes by socktype and port, whatever the bind address)"
                                                    : ""));
    }
  }
}

}  // namespace

std::string_view to_string(SockType t) {
  switch (t) {
    case SockType::tcp: return "tcp";
    case SockType::ssl: return "ssl";
    case SockType::udp: return "udp";
    case SockType::dtls: return "dtls";
  }
  return "unknown";
}

std::string_view to_string(Mode m) { return m == Mode::native ? "native" : "exproto"; }

std::string route_label(const ListenerKey& listener) {
  return std::string(to_string(listener.socktype)) + ":" + std::to_string(listener.port);
}

namespace {

// The whole document, for parse_config and config_schema alike.
void read_config(Fields& root, Config& config) {
  // First: every other key's meaning depends on it.
  root.choice("mode", config.mode, {{"exproto", Mode::exproto}, {"native", Mode::native}});
  refuse_other_mode_keys(root, config.mode);
  if (config.mode == Mode::exproto) {
    root.object("handler", [&](Fields& f) { read_handler(f, config.handler); });
    root.object("adapter", [&](Fields& f) { read_adapter(f, config.adapter); });
  } else {
    root.object("mqtt", [&](Fields& f) { read_mqtt(f, config.mqtt); });
  }
  root.object("plugins", [&](Fields& f) { read_plugins(f, config.plugins); });
  read_routes(root, config.routes, config.mode);
  root.object("sessions", [&](Fields& f) { read_sessions(f, config.sessions); });
  root.object("log", [&](Fields& f) { read_log(f, config.log); });
  root.object("admin", [&](Fields& f) { read_admin(f, config.admin); });
  root.object("metrics", [&](Fields& f) {
    f.text("bind", config.metrics.bind, [](std::string_view s) -> std::string {
      const auto colon = s.rfind(':');
      std::string_view host = colon == std::string_view::npos ? s : s.substr(0, colon);
      if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
      if (!is_host_port(s, 0) || !parse_ip(host)) return "expected a numeric \"ip:port\" (no host names)";
      return "";
    });
  });
  root.object("shutdown", [&](Fields& f) { read_shutdown(f, config.shutdown); });
  root.object("isolation", [&](Fields& f) { read_isolation(f, config.isolation); });
}

}  // namespace

std::expected<Config, std::string> parse_config(std::string_view json_text) {
  auto doc = parse_strict_json(json_text);
  if (!doc) return std::unexpected(doc.error());

  Config config;
  FirstError errors;
  Fields root(*doc, "", errors);
  read_config(root, config);
  root.finish();
  if (errors.failed()) return std::unexpected(errors.message());
  return config;
}

nlohmann::json config_schema() {
  FirstError errors;
  auto variant = [&](Mode mode) {
    Config defaults;
    defaults.mode = mode;
    nlohmann::json schema;
    Fields root(Fields::DescribeInto{schema}, "", errors);
    read_config(root, defaults);
    if (mode == Mode::native) {
      schema["properties"]["mode"] = {{"const", "native"}};
      schema["required"].push_back("mode");
      schema["title"] = "native mode: the host owns the device sockets and speaks MQTT";
    } else {
      schema["properties"]["mode"] = {{"enum", {"exproto"}}, {"default", "exproto"}};
      schema["title"] = "exproto mode: the handler of EMQX's ExProto gateway";
    }
    return schema;
  };
  return {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
          {"$id", "https://exproto-host.invalid/config.schema.json"},
          {"title", "exproto-host configuration"},
          {"description", "Generated by exproto-host --config-schema from the validator itself."},
          {"oneOf", {variant(Mode::exproto), variant(Mode::native)}}};
}

std::expected<Config, std::string> load_config(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(file.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::unexpected(file.string() + ": read error");
  auto config = parse_config(text.str());
  if (!config) return std::unexpected(file.string() + ": " + config.error());
  return config;
}

}  // namespace exproto::host
