// Who may use the handler port and how much of it: handler.allow_peers (refused with
// PERMISSION_DENIED), handler.max_calls_per_peer (RESOURCE_EXHAUSTED) and the request checks of
// request_check.h (INVALID_ARGUMENT). Each refusal is counted in its metric and logged through the
// rate limiter, so a flood of bad calls costs one line per kind per window, not one per call.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <grpcpp/support/status.h>

#include "host/config/config.h"
#include "host/handler/request_check.h"
#include "host/log/log_limiter.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

class HandlerGuard {
 public:
  // `metrics` and `log` must outlive the guard; slots may outlive it.
  HandlerGuard(const HandlerConfig& config, Metrics& metrics, LogLimiter& log);
  HandlerGuard(const HandlerGuard&) = delete;
  HandlerGuard& operator=(const HandlerGuard&) = delete;

  // A call's place in its peer's max_calls_per_peer; given back when destroyed (any thread).
  class Slot;
  using SlotPtr = std::shared_ptr<Slot>;

  // A call or stream of `rpc` opened by `peer` (gRPC's ctx->peer(), "ipv4:10.0.0.1:5000").
  std::expected<SlotPtr, grpc::Status> admit(const std::string& peer, std::string_view rpc);

  // OK, or INVALID_ARGUMENT naming the problem (counted and logged here).
  template <class Req>
  grpc::Status check(const Req& req, std::string_view rpc, const std::string& peer) {
    std::string problem = check_request(req);
    if (problem.empty()) return grpc::Status::OK;
    return refuse_request(rpc, peer, problem);
  }

  // Open calls and streams of one peer address now (tests, status).
  std::size_t open_calls(std::string_view peer_key) const;

  struct Table {
    mutable std::mutex mu;
    std::unordered_map<std::string, uint32_t> open;  // peer address (no port) -> open calls
  };

 private:
  grpc::Status refuse_request(std::string_view rpc, const std::string& peer, const std::string& problem);

  const std::vector<IpRange> allow_;
  const uint32_t max_per_peer_;
  Metrics& metrics_;
  LogLimiter& log_;
  std::shared_ptr<Table> table_ = std::make_shared<Table>();
};

class HandlerGuard::Slot {
 public:
  Slot(std::shared_ptr<Table> table, std::string key) : table_(std::move(table)), key_(std::move(key)) {}
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::shared_ptr<Table> table_;
  std::string key_;
};

// The peer string without its port: "ipv4:10.0.0.1:5000" -> "ipv4:10.0.0.1" (one key per address).
std::string_view peer_key(std::string_view peer);

}  // namespace exproto::host
