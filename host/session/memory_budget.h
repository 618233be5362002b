// The host-wide budget for bytes waiting inside the host: queued event payloads, held streaming
// events and adapter calls not yet answered. Per-session limits bound one device; this bounds the
// sum, so a fleet reconnecting at once or a stalled EMQX cannot grow the process without end.
// Past three quarters of the budget sessions apply back-pressure; a reservation that would pass
// the budget is refused (the caller closes that one connection and counts it).
#pragma once

#include <atomic>
#include <cstddef>

#include "host/metrics/metrics.h"

namespace exproto::host {

class MemoryBudget {
 public:
  // `limit` 0: no host-wide limit (per-session limits still apply).
  // `mirror`: a gauge kept equal to used() (optional; must outlive the budget).
  explicit MemoryBudget(std::size_t limit = 0, Gauge* mirror = nullptr) : limit_(limit), mirror_(mirror) {}
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // Takes `n` bytes; false (and nothing taken) when that would pass the limit. Any thread.
  bool reserve(std::size_t n) {
    std::size_t used = used_.load(std::memory_order_relaxed);
    do {
      if (limit_ != 0 && used + n > limit_) return false;
    } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    if (mirror_ != nullptr) mirror_->add(static_cast<int64_t>(n));
    return true;
  }
  void release(std::size_t n) {
    used_.fetch_sub(n, std::memory_order_relaxed);
    if (mirror_ != nullptr) mirror_->add(-static_cast<int64_t>(n));
  }
  // Over three quarters: time to slow EMQX down before anything must be refused.
  bool under_pressure() const { return limit_ != 0 && used_.load(std::memory_order_relaxed) > limit_ / 4 * 3; }
  std::size_t used() const { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const { return limit_; }

 private:
  const std::size_t limit_;
  Gauge* const mirror_;
  std::atomic<std::size_t> used_{0};
};

}  // namespace exproto::host
