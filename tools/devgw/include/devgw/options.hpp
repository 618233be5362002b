// Configuration of one development gateway (an EMQX 5.x ExProto gateway stand-in).
//
// Defaults follow EMQX 5.x defaults (see /work/shared/reference/emqx-exproto-spec.md §8, §10);
// the knobs that only exist to make tests fast or to reproduce EMQX quirks say so.
#pragma once

#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace exproto::devgw {

enum class SocketKind { tcp, udp };

/// One device listener, e.g. parsed from "tcp:127.0.0.1:7993". Port 0 picks an ephemeral port
/// (read it back with Gateway::listener_port).
struct ListenerSpec {
  SocketKind kind = SocketKind::tcp;
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

/// Parses "tcp:HOST:PORT" or "udp:HOST:PORT" (HOST may be "[::1]").
std::expected<ListenerSpec, std::string> parse_listener(std::string_view text);

/// Which handler service the gateway calls (EMQX `handler.service_name`).
enum class HandlerService {
  unary,      ///< ConnectionUnaryHandler: one RPC in flight per conn (EMQX 5.1+ default)
  streaming,  ///< ConnectionHandler: per conn, up to five never-ending client streams
};

/// Authentication and authorization of device calls. Empty maps = allow every Authenticate;
/// otherwise a client passes if its clientid is in `clients` with that password, or its
/// (non-empty) username is in `users` with that password. Denials answer PERMISSION_DENY
/// `not_authorized` (authn) or `<<"Authorization deny">>` (authz).
struct AuthPolicy {
  std::map<std::string, std::string> clients;  ///< clientid → password
  std::map<std::string, std::string> users;    ///< username → password
  std::vector<std::string> deny_publish;       ///< topic filters a device may not publish to
  std::vector<std::string> deny_subscribe;     ///< topic filters a device may not subscribe to
};

/// Loads an AuthPolicy from JSON:
/// {"clients":{"dev1":"pw"}, "users":{"alice":"pw"}, "deny_publish":["sys/#"], "deny_subscribe":[]}
/// Every key is optional; unknown keys are rejected so typos do not silently allow everything.
std::expected<AuthPolicy, std::string> load_auth_policy(const std::filesystem::path& file);
std::expected<AuthPolicy, std::string> parse_auth_policy(std::string_view json_text);

/// EMQX 5.x `handler.ssl_options` with `enable = true`: dial the handler over TLS. Unlike EMQX's
/// default (`verify = verify_none`) the devgw always verifies the handler's certificate.
struct HandlerTlsOptions {
  std::filesystem::path ca_file;    ///< CA bundle the handler's certificate must chain to (`cacertfile`)
  std::filesystem::path cert_file;  ///< client certificate (`certfile`); empty = none
  std::filesystem::path key_file;   ///< its key (`keyfile`)
  std::string server_name;          ///< `server_name_indication`; empty = the host of handler_address
};

/// EMQX 4.x `exproto.server.https.*`: serve ConnectionAdapter over TLS.
struct AdapterTlsOptions {
  std::filesystem::path cert_file;       ///< server certificate chain (`certfile`)
  std::filesystem::path key_file;        ///< its key (`keyfile`)
  std::filesystem::path client_ca_file;  ///< set: require a client certificate signed by it (`cacertfile`)
};

struct Options {
  /// Device listeners; several at once, TCP and UDP mixed.
  std::vector<ListenerSpec> listeners;
  /// Where the handler under test listens, "HOST:PORT" or "http://HOST:PORT". The scheme is
  /// ignored, as EMQX does: TLS is used exactly when handler_tls is set.
  std::string handler_address = "127.0.0.1:9001";
  HandlerService service = HandlerService::unary;
  std::optional<HandlerTlsOptions> handler_tls;
  /// Where the gateway serves ConnectionAdapter ("HOST:PORT"; port 0 = ephemeral).
  std::string adapter_bind = "127.0.0.1:0";
  /// Absent: plaintext, as EMQX 5.x always serves it.
  std::optional<AdapterTlsOptions> adapter_tls;
  /// Optional text control port: lines "PUB <topic> <payload>" answered "OK".
  std::optional<std::string> control_bind;

  /// EMQX `idle_timeout`: close with {shutdown,idle_timeout} if no byte arrives in time; for UDP
  /// conns also the `force_close_idle` timer that only StartTimer cancels (spec §8.2).
  std::chrono::milliseconds idle_timeout{30000};
  /// EMQX zone `mqtt.keepalive_check_interval` (30 s); lower it to make keepalive tests fast.
  std::chrono::milliseconds keepalive_check_interval{30000};
  /// EMQX zone `mqtt.keepalive_multiplier`.
  double keepalive_multiplier = 1.5;
  /// How long a closed conn may keep flushing queued handler events (EMQX's fixed 15 s).
  std::chrono::milliseconds force_close_timeout{15000};
  /// Most deliveries per OnReceivedMessages (EMQX: 1 + active_n = 11).
  std::size_t delivery_batch_max = 11;
  /// Test knob, streaming mode only: hold back each conn's OnSocketCreated stream write this
  /// long so that OnReceivedBytes overtakes it, as real EMQX can do.
  std::chrono::milliseconds socket_created_stream_delay{0};

  AuthPolicy auth;

  // ---- Fault injection: EMQX misbehaving the way a real one does, for the handler's tests. ----
  /// Every ConnectionAdapter call is carried out and answered this long after it arrived, in
  /// arrival order, like an overloaded EMQX whose conn processes answer late (the I/O thread
  /// keeps serving devices meanwhile). Changeable at run time (Gateway::set_adapter_delay,
  /// control line `DELAY <ms>`); a change applies to calls that arrive afterwards.
  std::chrono::milliseconds adapter_delay{0};
  /// Conn processes end as usual (close records, sockets, clientids) but OnSocketClosed is never
  /// sent: EMQX does not guarantee it (spec §7). Changeable at run time
  /// (Gateway::set_lose_socket_closed, control line `LOSE_CLOSED on|off`).
  bool lose_socket_closed = false;

  /// Keep Records for snapshot()/wait_for(). Tests want them; a long interactive session does
  /// not (they grow with every event).
  bool keep_records = true;

  /// Erlang node name embedded in conn ids and delivered messages' `node`.
  std::string node = "devgw@127.0.0.1";
  /// Name of the spdlog logger (stdout); several gateways in one process stay distinguishable.
  std::string log_name = "devgw";
  spdlog::level::level_enum log_level = spdlog::level::info;
};

}  // namespace exproto::devgw
