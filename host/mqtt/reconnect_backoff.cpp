#include "host/mqtt/reconnect_backoff.h"

#include <algorithm>

namespace exproto::host::mqtt {

ReconnectBackoff::ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max, uint64_t seed)
    : min_(min), max_(std::max(min, max)), rng_(seed) {}

std::chrono::milliseconds ReconnectBackoff::next_delay() {
  std::lock_guard lock(mutex_);
  if (failures_ == 0) return std::chrono::milliseconds(0);
  const uint32_t doublings = std::min<uint32_t>(failures_ - 1, 30);
  const auto cap = std::min<int64_t>(max_.count(), min_.count() << std::min<uint32_t>(doublings, 20));
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(cap, 0));
  return std::chrono::milliseconds(pick(rng_));
}

void ReconnectBackoff::failed() {
  std::lock_guard lock(mutex_);
  if (failures_ < 64) ++failures_;
}

void ReconnectBackoff::answered() {
  std::lock_guard lock(mutex_);
  failures_ = 0;
}

uint32_t ReconnectBackoff::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

}  // namespace exproto::host::mqtt
