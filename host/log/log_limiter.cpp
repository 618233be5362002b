#include "host/log/log_limiter.h"

namespace exproto::host {

LogLimiter::Verdict LogLimiter::allow(std::string_view kind, Clock::time_point now) {
  std::lock_guard lk(mu_);
  auto it = kinds_.find(std::string(kind));
  if (it == kinds_.end()) it = kinds_.emplace(std::string(kind), Window{now, 0, 0}).first;
  Window& w = it->second;
  if (now - w.start >= window_) {
    w.start = now;
    w.written = 0;
  }
  if (w.written < burst_) {
    ++w.written;
    return Verdict{true, std::exchange(w.suppressed, 0)};
  }
  ++w.suppressed;
  if (suppressed_counter_ != nullptr) suppressed_counter_->inc();
  return Verdict{false, 0};
}

}  // namespace exproto::host
