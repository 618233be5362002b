// EMQX 5.7.2+ keepalive arithmetic (emqx_keepalive.erl), spec §8.1.
#pragma once

#include <chrono>
#include <cstdint>

namespace exproto::devgw {

struct KeepaliveParams {
  std::chrono::milliseconds check_interval;  ///< timer period
  std::chrono::milliseconds max_idle;        ///< idle time that triggers the timeout
};

/// check_interval = clamp(configured, 1 s, max(I*1000/2, 1 s)); max_idle = ceil(I*1000*multiplier);
/// I (seconds) is capped at 65535 as EMQX's ?MAX_INTERVAL does.
KeepaliveParams keepalive_params(std::uint32_t interval_s,
                                 std::chrono::milliseconds configured_check_interval = std::chrono::seconds(30),
                                 double multiplier = 1.5);

/// The per-tick decision. Activity is a counter of received chunks, sampled each tick.
class KeepaliveState {
 public:
  explicit KeepaliveState(KeepaliveParams params, std::uint64_t received_now = 0)
      : params_(params), last_received_(received_now) {}

  /// Replaces the parameters (a second StartTimer); the idle accumulator is kept.
  void reset_params(KeepaliveParams params) { params_ = params; }
  const KeepaliveParams& params() const { return params_; }

  /// Called every check_interval with the current received-chunk counter; true = timed out.
  bool tick(std::uint64_t received_now);

 private:
  KeepaliveParams params_;
  std::uint64_t last_received_;
  std::chrono::milliseconds idle_{0};
};

}  // namespace exproto::devgw
