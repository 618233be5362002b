#include "devgw/keepalive.hpp"

#include <algorithm>
#include <cmath>

namespace exproto::devgw {

KeepaliveParams keepalive_params(std::uint32_t interval_s, std::chrono::milliseconds configured, double multiplier) {
  using std::chrono::milliseconds;
  constexpr std::int64_t max_interval_ms = 65535000;  // emqx_keepalive ?MAX_INTERVAL
  const std::int64_t interval_ms = std::min<std::int64_t>(std::int64_t{interval_s} * 1000, max_interval_ms);
  const std::int64_t upper = std::max<std::int64_t>(interval_ms / 2, 1000);
  const std::int64_t check = std::clamp<std::int64_t>(configured.count(), 1000, upper);
  const auto max_idle = static_cast<std::int64_t>(std::ceil(static_cast<double>(interval_ms) * multiplier));
  return {milliseconds(check), milliseconds(max_idle)};
}

bool KeepaliveState::tick(std::uint64_t received_now) {
  if (received_now != last_received_) {
    last_received_ = received_now;
    idle_ = std::chrono::milliseconds(0);
    return false;
  }
  if (idle_ + params_.check_interval >= params_.max_idle) return true;
  idle_ += params_.check_interval;
  return false;
}

}  // namespace exproto::devgw
