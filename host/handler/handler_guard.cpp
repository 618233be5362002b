#include "host/handler/handler_guard.h"

#include <algorithm>

namespace exproto::host {

std::string_view peer_key(std::string_view peer) {
  if (!peer.starts_with("ipv4:") && !peer.starts_with("ipv6:")) return peer;
  const auto colon = peer.rfind(':');
  return colon > 4 ? peer.substr(0, colon) : peer;
}

HandlerGuard::HandlerGuard(const HandlerConfig& config, Metrics& metrics, LogLimiter& log)
    : allow_(config.allow_peers), max_per_peer_(config.max_calls_per_peer), metrics_(metrics), log_(log) {}

std::expected<HandlerGuard::SlotPtr, grpc::Status> HandlerGuard::admit(const std::string& peer, std::string_view rpc) {
  if (!allow_.empty()) {
    const auto address = peer_address(peer);
    const bool allowed =
        address && std::any_of(allow_.begin(), allow_.end(), [&](const IpRange& r) { return r.contains(*address); });
    if (!allowed) {
      metrics_.handler_peers_refused.inc();
      log_limited(log_, spdlog::level::warn, "handler.peer_refused",
                  "handler: {} from {} refused: the address is not in handler.allow_peers", rpc, peer);
      return std::unexpected(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "peer not in handler.allow_peers"));
    }
  }
  std::string key(peer_key(peer));
  {
    std::lock_guard lk(table_->mu);
    uint32_t& open = table_->open[key];
    if (open >= max_per_peer_) {
      if (open == 0) table_->open.erase(key);
      metrics_.handler_calls_over_limit.inc();
      log_limited(log_, spdlog::level::warn, "handler.peer_limit",
                  "handler: {} from {} refused: {} calls and streams already open from that address "
                  "(handler.max_calls_per_peer)",
                  rpc, peer, max_per_peer_);
      return std::unexpected(
          grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too many open calls from this address"));
    }
    ++open;
  }
  return std::make_shared<Slot>(table_, std::move(key));
}

HandlerGuard::Slot::~Slot() {
  std::lock_guard lk(table_->mu);
  auto it = table_->open.find(key_);
  if (it == table_->open.end()) return;
  // Erased at zero so the table holds only addresses with open calls.
  if (--it->second == 0) table_->open.erase(it);
}

std::size_t HandlerGuard::open_calls(std::string_view key) const {
  std::lock_guard lk(table_->mu);
  auto it = table_->open.find(std::string(key));
  return it == table_->open.end() ? 0 : it->second;
}

grpc::Status HandlerGuard::refuse_request(std::string_view rpc, const std::string& peer, const std::string& problem) {
  metrics_.handler_requests_refused.inc();
  log_limited(log_, spdlog::level::warn, "handler.bad_request", "handler: {} from {} refused: {}", rpc, peer, problem);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, problem);
}

}  // namespace exproto::host
