#include "host/timers/timer_service.h"

namespace exproto::host {

TimerService::TimerService() : thread_([this](std::stop_token st) { run(st); }) {}

TimerService::~TimerService() { stop(); }

void TimerService::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

uint64_t TimerService::schedule(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard lk(mu_);
  const uint64_t id = next_id_++;
  auto pos = by_deadline_.emplace(Clock::now() + delay, id);
  by_id_.emplace(id, Entry{pos, std::move(fn)});
  cv_.notify_all();
  return id;
}

bool TimerService::cancel(uint64_t id) {
  std::lock_guard lk(mu_);
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  by_deadline_.erase(it->second.pos);
  by_id_.erase(it);
  return true;
}

std::size_t TimerService::pending() const {
  std::lock_guard lk(mu_);
  return by_id_.size();
}

void TimerService::run(std::stop_token st) {
  std::unique_lock lk(mu_);
  while (!st.stop_requested()) {
    if (by_deadline_.empty()) {
      cv_.wait(lk, st, [this] { return !by_deadline_.empty(); });
      continue;
    }
    auto first = by_deadline_.begin();
    if (first->first > Clock::now()) {
      const auto deadline = first->first;
      // Woken early by a new, earlier timer or a cancel; the loop re-evaluates either way.
      cv_.wait_until(lk, st, deadline, [this, deadline] {
        return by_deadline_.empty() || by_deadline_.begin()->first < deadline;
      });
      continue;
    }
    const uint64_t id = first->second;
    by_deadline_.erase(first);
    auto node = by_id_.extract(id);
    lk.unlock();
    node.mapped().fn();  // outside the lock: the callback may schedule or cancel
    lk.lock();
  }
}

}  // namespace exproto::host
