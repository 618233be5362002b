// The host's configuration, as read from the JSON file given with --config.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/config/ip_address.h"

namespace exproto::host {

enum class SockType { tcp = 0, ssl = 1, udp = 2, dtls = 3 };

// A gateway listener as EMQX reports it in ConnInfo.sockname / socktype.
struct ListenerKey {
  uint32_t port = 0;
  SockType socktype = SockType::tcp;
  bool operator==(const ListenerKey&) const = default;
};

// TLS on the handler port, for EMQX's `handler.ssl_options.enable = true`. The files are checked
// (readable, PEM, key matches certificate) when the config is read, then watched by gRPC.
struct HandlerTls {
  std::filesystem::path cert_file;       // server certificate chain, PEM
  std::filesystem::path key_file;        // its private key, PEM, unencrypted
  std::filesystem::path client_ca_file;  // set: EMQX must present a client certificate signed by it
  uint32_t refresh_s = 60;               // how often the files are re-read, so rotation needs no restart
};

// What a hot reload of the route's codec does to the route's live sessions.
enum class ReloadPolicy {
  automatic,  // migrate when both generations support it, else drain
  migrate,    // move each session to the new generation between two of its events
  drain,      // existing sessions stay on their generation; after drain_deadline_ms migrate or close
  restart,    // close existing sessions so devices reconnect onto the new generation
};

// Where a route's codec runs.
enum class Isolation {
  in_process,  // in the host process: fastest; a crash of the codec is a crash of the host
  process,     // in a supervised codec-runner child: a crash costs that route's sessions only
};

struct Route {
  // Exproto mode: the listener EMQX reports. Native mode: port and socktype of `listener_bind`, so
  // that routing by ListenerKey works unchanged in both modes.
  ListenerKey listener;
  std::string listener_bind;           // native mode: "host:port" the host listens on itself
  std::optional<HandlerTls> listener_tls;  // native mode, socktype ssl: the device-facing certificate
  // Native mode: a TCP/TLS conn that sends no byte this long after it opened is closed
  // ("{shutdown,idle_timeout}", EMQX's idle_timeout, default 30 s); a UDP peer is closed after
  // this long without a datagram unless its codec started a keepalive. 0 = never.
  uint32_t listener_idle_timeout_s = 30;
  // Native mode, TCP/TLS: connections open at once on this listener; past it a new one is reset at
  // accept. UDP: peers (source addresses) served at once; a datagram from a new peer past it is
  // dropped. 0 = no cap. Each key is refused for the other socktype.
  uint32_t listener_max_connections = 0;
  uint32_t listener_max_peers = 0;
  ReloadPolicy reload = ReloadPolicy::automatic;
  uint32_t drain_deadline_ms = 600000;  // drain: how long old sessions may stay on an old generation
  std::string codec;        // codec name as its descriptor declares it
  std::string config_json;  // the route's "config" object, serialized; handed to the codec
  Isolation isolation = Isolation::in_process;
};

// What to do with an event for a conn the host has no session for (e.g. after a host restart).
enum class UnknownConnPolicy {
  close,   // log, count, and ask EMQX to Close the conn so the device reconnects cleanly
  ignore,  // log, count, answer OK
  reject,  // log, count, answer the RPC with an error (EMQX then closes the conn itself)
};

struct HandlerConfig {
  std::string bind = "127.0.0.1:9001";
  std::size_t max_receive_bytes = 16 * 1024 * 1024;
  std::optional<HandlerTls> tls;  // absent: plaintext h2c, as EMQX's default
  // Whoever reaches the handler port can inject events for any live conn, so plaintext is only
  // accepted on a loopback literal unless the operator names the risk with this key.
  bool allow_plaintext_non_loopback = false;
  // Callers refused with PERMISSION_DENIED unless their address is in one of these ranges; empty
  // = any caller (only the bind and TLS restrict who can reach the port).
  std::vector<IpRange> allow_peers;
  // HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS of each connection EMQX opens. EMQX opens one HTTP/2
  // connection per scheduler and, in streaming mode, up to 5 streams per device on it: the default
  // carries 200 000 devices on a single connection.
  uint32_t max_concurrent_streams = 1'000'000;
  // Open calls plus open streams from one peer address, counted by the host; past it a call is
  // refused with RESOURCE_EXHAUSTED. Sized like max_concurrent_streams: one EMQX node per address.
  uint32_t max_calls_per_peer = 1'000'000;
};

// TLS towards the ConnectionAdapter (EMQX 4.x serves it on a separate https port; 5.x never does).
struct AdapterTls {
  std::filesystem::path ca_file;    // CA bundle that EMQX's server certificate must chain to
  std::filesystem::path cert_file;  // client certificate chain, with key_file; empty = none
  std::filesystem::path key_file;
  std::string server_name;          // name checked against EMQX's certificate (and sent as SNI); empty = the address host
};

// What a call does while no ConnectionAdapter address is reachable.
enum class WhenUnavailable {
  fail,  // answer HOST_UNAVAILABLE at once (the codec decides: retry, close, tell the device)
  hold,  // wait up to hold_ms (counted from when the codec made the call) for EMQX to come back
};

struct AdapterConfig {
  // EMQX nodes serving ConnectionAdapter, in order of preference. Any node can serve any conn
  // (a conn is an Erlang pid; calls reach it across the cluster), so calls go to the first
  // reachable address and fail over to the next. The config accepts "address" (one) or
  // "addresses" (several).
  std::vector<std::string> addresses{"127.0.0.1:9100"};
  uint32_t timeout_ms = 15000;  // EMQX answers within its own 5 s call timeout unless it is down
  uint32_t channels = 2;        // HTTP/2 connections per address to spread calls over
  std::optional<AdapterTls> tls;  // absent: plaintext
  // Reconnect backoff towards a lost address: gRPC's default grows to 120 s, far longer than an
  // EMQX restart; devices reconnecting meanwhile would fail Authenticate for minutes.
  uint32_t reconnect_min_ms = 100;
  uint32_t reconnect_max_ms = 2000;
  WhenUnavailable when_unavailable = WhenUnavailable::fail;
  uint32_t hold_ms = 5000;  // when_unavailable = hold: the longest a call waits for EMQX
};

struct PluginsConfig {
  std::filesystem::path dir = "plugins";
  std::filesystem::path work_dir;  // private copies of loaded codecs; empty = a temp dir per process
  bool watch = true;               // reload a codec when its .so in `dir` is replaced (inotify)
  uint32_t debounce_ms = 300;      // quiet time after the last write before a changed file is loaded
  uint32_t max_generations = 4;    // live generations per codec; past it the oldest's sessions are closed
  // "strict": codec files and their folder must be owned by root or the host's user and writable
  // by nobody else; "off" for development trees only.
  bool trust_strict = true;
  uint64_t max_file_bytes = 256ull << 20;  // larger codec files are refused
  struct Key {
    std::string name;
    std::string public_key;  // base64 of a raw 32-byte Ed25519 public key
  };
  std::vector<Key> trusted_keys;   // signatures ("<codec>.so.sig") are checked against these
  bool require_signature = false;  // refuse codecs without a signature by a trusted key
};

// The admin service can replace the code the host runs, so it never faces the network: a Unix
// domain socket (file permissions decide who may use it) or, if a tool needs TCP, a loopback
// literal. Both empty = no admin endpoint.
struct AdminConfig {
  std::filesystem::path socket;  // Unix socket path, created mode 0600 (0660 with socket_group)
  std::string socket_group;      // group allowed to use the socket; empty = the owner only
  std::string bind;              // numeric loopback host:port (127.0.0.0/8 or [::1]); no names
};

// Prometheus scraping and orchestrator probes over plain HTTP: /metrics, /healthz, /readyz. Read
// only, but it tells who is connected how much: bind it where only the monitoring can reach it.
struct MetricsConfig {
  std::string bind;  // numeric "ip:port"; empty = off
};

struct SessionsConfig {
  uint32_t workers = 0;                    // 0 = number of CPU cores
  std::size_t max_queued_events = 1024;    // per session; past it the host delays its answers
  std::size_t max_pending_calls = 1024;    // per session adapter calls not yet answered by EMQX
  uint32_t max_timers = 64;                // per session host timers
  UnknownConnPolicy unknown_conn = UnknownConnPolicy::close;
  uint32_t stream_hold_ms = 2000;          // streaming mode: how long events wait for their OnSocketCreated
  std::size_t max_held_events = 10000;     // streaming mode: total events waiting that way
  // Bytes of event payloads queued plus calls not yet answered, per session: past it the host
  // delays its answers to EMQX (and refuses the codec's calls past it).
  std::size_t max_queued_bytes = 1024 * 1024;
  // The same, summed over the host (plus held streaming events); 0 = no host-wide bound. Past
  // three quarters every session applies back-pressure; past it an event is refused and its
  // connection closed.
  std::size_t max_total_queued_bytes = 256 * 1024 * 1024;
  // Reconciliation: a session EMQX has shown no sign of for this long is probed with a
  // zero-length Send; a conn EMQX forgot ends its session. 0 = never probe idle sessions.
  uint32_t probe_idle_s = 120;
  uint32_t probe_rate = 2000;  // probes sent per second at most (idle probes and post-outage sweeps)
  // Watchdog: a hook running longer than this is reported, its worker replaced (at most
  // max_extra_workers at once), and its session closed when the hook returns.
  uint32_t hook_timeout_ms = 5000;
  // Run a hook on the thread its event arrived on (gRPC callback, adapter completion) when the
  // session has nothing queued or running, instead of waking a pool thread. Off: always the pool.
  bool inline_hooks = true;
  uint32_t max_extra_workers = 4;
};

struct ShutdownConfig {
  // SIGTERM: events in progress and adapter calls in flight get this long to finish; then the
  // rest is failed and the process exits, whatever a codec is doing.
  uint32_t grace_ms = 10000;
};

// Supervision of the children that run isolated routes' codecs (routes[].isolation = process).
// sessions.hook_timeout_ms applies there too: a child whose hook overruns it is killed.
struct IsolationConfig {
  std::filesystem::path runner;            // executable that serves `codec-runner`; empty = this executable
  uint32_t restart_backoff_ms = 100;       // delay before restarting a child that died
  uint32_t restart_backoff_max_ms = 10000; // the delay doubles per death of a short-lived child, up to this
  uint32_t rollback_crashes = 3;           // deaths of a reloaded generation's children that roll it back; 0 = never
  uint32_t rollback_window_ms = 30000;     // ... counted from the reload for this long
};

// Which backend serves the sessions.
enum class Mode {
  exproto,  // EMQX's ExProto gateway owns the device sockets; the host is its gRPC handler
  native,   // the host owns the device sockets and is an MQTT client of a broker per device
};

enum class MqttVersion { v5, v3_1_1 };

using MqttTls = AdapterTls;  // the same client-side files: CA, optional client identity, server name

// Native mode's broker connection settings; every device gets its own MQTT connection with them.
struct MqttConfig {
  std::string server = "127.0.0.1:1883";
  MqttVersion protocol_version = MqttVersion::v5;
  uint32_t keepalive_s = 60;        // of the host's MQTT connections; 0 = none (MQTT allows it)
  std::string clientid_prefix;      // put before each device's clientid, keeping devices apart from other clients
  // The host's own connection (raw_publish outside a session); empty: prefix + "host-<hostname>-<pid>".
  std::string host_clientid;
  uint32_t connect_timeout_ms = 5000;  // authenticate waits this long for CONNACK, then HOST_UNAVAILABLE
  // After a failed connect, new CONNECTs towards the broker are paced with this backoff so a
  // broker restart is not met by every device in the same instant.
  uint32_t reconnect_min_ms = 100;
  uint32_t reconnect_max_ms = 5000;
  std::optional<MqttTls> tls;       // absent: plaintext
};

struct LogConfig {
  std::string level = "info";  // trace|debug|info|warn|error
  std::string format = "text";  // text|json (one JSON object per line: time, level, codec, conn, event, msg)
};

struct Config {
  Mode mode = Mode::exproto;
  HandlerConfig handler;  // exproto mode only
  AdapterConfig adapter;  // exproto mode only
  MqttConfig mqtt;        // native mode only
  PluginsConfig plugins;
  std::vector<Route> routes;
  SessionsConfig sessions;
  LogConfig log;
  AdminConfig admin;
  MetricsConfig metrics;
  ShutdownConfig shutdown;
  IsolationConfig isolation;
};

// Parses and validates. Errors name the key path and the problem, e.g.
// "routes[0].listener.port: expected an integer in 1..65535, got \"x\"". Unknown keys are errors.
// A JSON Schema (draft 2020-12) of the config file, described by the same readers that validate
// it: types, bounds, choices, defaults, required keys; one branch per mode. Checks that need code
// (address syntax, cross-key rules) stay the validator's.
nlohmann::json config_schema();

std::expected<Config, std::string> parse_config(std::string_view json_text);

// Reads `file` and parses it; relative plugin paths stay relative to the working directory.
std::expected<Config, std::string> load_config(const std::filesystem::path& file);

std::string_view to_string(SockType t);
std::string_view to_string(Mode m);
// "tcp:7993": how log lines and the `route` label of /metrics name a route (its listener).
std::string route_label(const ListenerKey& listener);

}  // namespace exproto::host
