#include "gateway_core.hpp"

#include "connection.hpp"
#include "devgw/conn_id.hpp"
#include "devgw/topic.hpp"
#include "format.hpp"

#include <fmt/format.h>

namespace exproto::devgw {

std::string_view result_code_name(ResultCode code) {
  switch (code) {
    case ResultCode::success: return "SUCCESS";
    case ResultCode::unknown: return "UNKNOWN";
    case ResultCode::conn_process_not_alive: return "CONN_PROCESS_NOT_ALIVE";
    case ResultCode::required_params_missed: return "REQUIRED_PARAMS_MISSED";
    case ResultCode::params_type_error: return "PARAMS_TYPE_ERROR";
    case ResultCode::permission_deny: return "PERMISSION_DENY";
  }
  return "?";
}

namespace {
std::string_view kind_name(SocketKind kind) { return kind == SocketKind::tcp ? "tcp" : "udp"; }
}  // namespace

GatewayCore::GatewayCore(boost::asio::io_context& io, const Options& options, Journal& journal, spdlog::logger& log,
                         HandlerDispatcher& handler, std::uint32_t creation)
    : io_(io),
      options_(options),
      journal_(journal),
      log_(log),
      handler_(handler),
      broker_(options.node, creation),
      creation_(creation),
      lose_socket_closed_(options.lose_socket_closed) {}

GatewayCore::~GatewayCore() { shutdown(); }

void GatewayCore::open_connection(std::shared_ptr<Transport> transport) {
  if (shutting_down_) return transport->abort();
  const auto id = encode_conn_id({options_.node, next_pid_++, 0, creation_});
  auto conn = std::make_shared<Connection>(*this, id, transport);
  conns_[id] = conn;
  ++live_;
  const auto& info = transport->info();
  journal_.update([&](Records& r) {
    r.opened.push_back({id, info.kind, info.peer_host, info.peer_port, info.sock_port});
  });
  log_.info("OPEN conn={} {} {}:{} -> {}:{}", id, kind_name(info.kind), info.peer_host, info.peer_port,
            info.sock_host, info.sock_port);
  conn->open();
}

void GatewayCore::on_terminated(const Connection& conn, const std::string& reason) {
  std::shared_ptr<Connection> keep;  // `conn` may be owned by the table alone
  if (auto it = conns_.find(conn.id()); it != conns_.end()) {
    keep = it->second;
    conns_.erase(it);
  }
  release_clientid(conn.clientid(), conn.id());
  broker_.drop(conn.id());
  if (live_ > 0) --live_;
  journal_.update([&](Records& r) { r.closed.push_back({conn.id(), reason}); });
  log_.info("CLOSE conn={}{} reason={}", conn.id(), conn.clientid().empty() ? "" : " clientid=" + conn.clientid(),
            reason);
  handler_.release(conn.id());
}

void GatewayCore::record_event(const Event& event) {
  journal_.update([&](Records& r) {
    r.events.push_back({event.kind, event.conn, event.bytes, event.messages, event.reason});
  });
  if (log_.should_log(spdlog::level::debug)) {
    std::string detail;
    switch (event.kind) {
      case EventKind::received_bytes: detail = quote_payload(event.bytes); break;
      case EventKind::received_messages: detail = fmt::format("{} message(s)", event.messages.size()); break;
      case EventKind::socket_closed: detail = event.reason; break;
      default: break;
    }
    log_.debug("EVENT {} conn={} {}", method_name(event.kind), event.conn, detail);
  }
}

std::expected<std::shared_ptr<Connection>, CallResult> GatewayCore::lookup(const std::string& conn) const {
  const auto pid = decode_conn_id(conn);
  if (!pid) {
    log_.warn("call_conn_process_crashed: conn '{}' is not a pid ({})", conn, pid.error());
    return std::unexpected(CallResult::unknown_crash());
  }
  if (pid->node != options_.node) {
    log_.warn("call_conn_process_crashed: conn '{}' belongs to node '{}'", conn, pid->node);
    return std::unexpected(CallResult::unknown_crash());
  }
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return std::unexpected(CallResult::not_alive());
  return it->second;
}

CallResult GatewayCore::finish(std::string method, std::string conn, std::string detail, CallResult result,
                               std::size_t bytes) {
  std::string outcome =
      result.grpc_status != 0
          ? fmt::format("gRPC {} \"{}\"", grpc_codename(result.grpc_status), result.grpc_message)
          : fmt::format("{}{}{}", result_code_name(result.code), result.message.empty() ? "" : " ", result.message);
  log_.info("ADAPTER {} conn={}{}{} -> {}", method, conn.empty() ? "-" : conn, detail.empty() ? "" : " ", detail,
            outcome);
  journal_.update([&](Records& r) {
    r.adapter_calls.push_back({std::move(method), std::move(conn), result.grpc_status, result.code, result.message,
                               std::move(detail), bytes});
  });
  return result;
}

void GatewayCore::record_not_carried_out(std::string method, std::string conn, std::size_t bytes) {
  log_.info("ADAPTER {} conn={} -> not carried out: cancelled before its turn", method,
            conn.empty() ? "-" : conn);
  journal_.update([&](Records& r) {
    r.adapter_calls.push_back({std::move(method), std::move(conn), 1 /* CANCELLED */, ResultCode::success,
                               "cancelled before it was carried out", "", bytes});
  });
}

CallResult GatewayCore::send(const std::string& conn, std::string bytes) {
  const auto size = bytes.size();
  auto detail = fmt::format("{} bytes {}", size, quote_payload(bytes));
  auto c = lookup(conn);
  auto result = c ? (*c)->send(std::move(bytes)) : c.error();
  return finish("Send", conn, std::move(detail), std::move(result), size);
}

CallResult GatewayCore::close(const std::string& conn) {
  auto c = lookup(conn);
  return finish("Close", conn, {}, c ? (*c)->close() : c.error());
}

CallResult GatewayCore::authenticate(const std::string& conn, const std::optional<ClientInfo>& info,
                                     const std::string& password) {
  // EMQX's authenticate/2 clause requires clientinfo: without it the RPC itself crashes.
  if (!info) return finish("Authenticate", conn, "(no clientinfo)", CallResult::rpc_crashed());
  auto detail = fmt::format("clientid={} username={} proto={}/{}", info->clientid, info->username,
                            info->proto_name, info->proto_ver);
  auto c = lookup(conn);
  return finish("Authenticate", conn, std::move(detail), c ? (*c)->authenticate(*info, password) : c.error());
}

CallResult GatewayCore::start_timer(const std::string& conn, int type, std::uint32_t interval) {
  auto detail = fmt::format("type={} interval={}s", type == 0 ? "KEEPALIVE" : std::to_string(type), interval);
  // Checked in EMQX's gsvr before the conn process is contacted.
  if (type != 0 || interval == 0) return finish("StartTimer", conn, std::move(detail), CallResult::params_type_error());
  auto c = lookup(conn);
  return finish("StartTimer", conn, std::move(detail), c ? (*c)->start_keepalive(interval) : c.error());
}

CallResult GatewayCore::publish(const std::string& conn, const std::string& topic, std::uint32_t qos,
                                std::string payload) {
  auto detail = fmt::format("topic={} qos={}", topic, qos);
  if (qos > 2) return finish("Publish", conn, std::move(detail), CallResult::params_type_error());
  const auto size = payload.size();
  auto c = lookup(conn);
  return finish("Publish", conn, std::move(detail), c ? (*c)->publish(topic, qos, std::move(payload)) : c.error(),
                size);
}

CallResult GatewayCore::subscribe(const std::string& conn, const std::string& topic, std::uint32_t qos) {
  auto detail = fmt::format("topic={} qos={}", topic, qos);
  if (qos > 2) return finish("Subscribe", conn, std::move(detail), CallResult::params_type_error());
  auto c = lookup(conn);
  return finish("Subscribe", conn, std::move(detail), c ? (*c)->subscribe(topic, qos) : c.error());
}

CallResult GatewayCore::unsubscribe(const std::string& conn, const std::string& topic) {
  auto c = lookup(conn);
  return finish("Unsubscribe", conn, "topic=" + topic, c ? (*c)->unsubscribe(topic) : c.error());
}

CallResult GatewayCore::raw_publish(const std::string& topic, std::uint32_t qos, std::string payload) {
  auto detail = fmt::format("topic={} qos={}", topic, qos);
  // No qos guard in EMQX's gsvr: emqx_message:make/4 fails its guard and the RPC crashes.
  const auto size = payload.size();
  if (qos > 2) return finish("RawPublish", {}, std::move(detail), CallResult::rpc_crashed(), size);
  route(topic, qos, std::move(payload), "exproto", PublishOrigin::raw);
  return finish("RawPublish", {}, std::move(detail), CallResult::ok(), size);
}

void GatewayCore::console_publish(const std::string& topic, std::string payload, std::uint32_t qos,
                                  const std::string& from) {
  if (topic.empty() || topic.find_first_of("+#") != std::string::npos || qos > 2) {
    log_.warn("console publish rejected: topic '{}' qos {} (need a topic name without wildcards, qos 0..2)", topic,
              qos);
    return;
  }
  route(topic, qos, std::move(payload), from, PublishOrigin::console);
}

void GatewayCore::route(const std::string& topic, std::uint32_t qos, std::string payload, const std::string& from,
                        PublishOrigin origin) {
  log_.info("PUBLISH {} qos={} from={}{} {}", topic, qos, from,
            origin == PublishOrigin::raw ? " (raw)" : origin == PublishOrigin::console ? " (console)" : "",
            quote_payload(payload));
  journal_.update([&](Records& r) { r.publishes.push_back({topic, qos, payload, from, origin}); });
  for (auto& [conn, delivery] : broker_.route(topic, qos, payload, from)) {
    if (auto it = conns_.find(conn); it != conns_.end()) it->second->deliver(std::move(delivery));
  }
}

void GatewayCore::stream_failed(const std::string& conn, EventKind kind, const HandlerStatus& status) {
  if (auto it = conns_.find(conn); it != conns_.end()) {
    log_.warn("conn={} {} stream failed: {} {}", conn, method_name(kind), grpc_codename(status.code), status.message);
    auto keep = it->second;
    keep->handler_failed(kind, status);
  }
}

void GatewayCore::shutdown() {
  shutting_down_ = true;
  auto conns = std::move(conns_);
  conns_.clear();
  for (auto& [id, conn] : conns) conn->abort();
  clientid_owner_.clear();
  live_ = 0;
}

bool GatewayCore::authn_allows(const ClientInfo& info, const std::string& password) const {
  const auto& auth = options_.auth;
  if (auth.clients.empty() && auth.users.empty()) return true;
  if (auto it = auth.clients.find(info.clientid); it != auth.clients.end() && it->second == password) return true;
  if (info.username.empty()) return false;
  auto it = auth.users.find(info.username);
  return it != auth.users.end() && it->second == password;
}

bool GatewayCore::publish_allowed(const std::string& topic) const {
  for (const auto& filter : options_.auth.deny_publish)
    if (topic_matches(filter, topic)) return false;
  return true;
}

bool GatewayCore::subscribe_allowed(const std::string& filter) const {
  for (const auto& deny : options_.auth.deny_subscribe)
    if (deny == filter || topic_matches(deny, filter)) return false;
  return true;
}

void GatewayCore::claim_clientid(const std::string& clientid, const std::string& owner) {
  auto& slot = clientid_owner_[clientid];
  const auto previous = std::exchange(slot, owner);
  if (previous.empty() || previous == owner) return;
  if (auto it = conns_.find(previous); it != conns_.end()) {
    log_.info("conn={} clientid={} authenticated again on conn={}: discarding the older one", previous, clientid,
              owner);
    auto old = it->second;
    old->discard();
  }
}

void GatewayCore::release_clientid(const std::string& clientid, const std::string& owner) {
  if (auto it = clientid_owner_.find(clientid); it != clientid_owner_.end() && it->second == owner)
    clientid_owner_.erase(it);
}

}  // namespace exproto::devgw
