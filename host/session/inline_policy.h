// Which sessions may run a hook on the thread their event arrived on (unary gRPC callback,
// adapter completion) instead of handing it to the pool. At EMQX's pace a session's queue is
// nearly always empty, and a thread hop per event costs more than the hook. A codec whose hook
// overran the watchdog's limit once is demoted for the life of the process: a slow codec must not
// hold the transport's threads.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace exproto::host {

class InlinePolicy {
 public:
  explicit InlinePolicy(bool enabled = true) : enabled_(enabled) {}

  bool allows(std::string_view codec) const {
    if (!enabled_) return false;
    if (demoted_count_.load(std::memory_order_acquire) == 0) return true;  // the hot path
    std::lock_guard lk(mu_);
    for (const auto& d : demoted_)
      if (d == codec) return false;
    return true;
  }
  // True the first time `codec` is demoted.
  bool demote(std::string_view codec) {
    std::lock_guard lk(mu_);
    for (const auto& d : demoted_)
      if (d == codec) return false;
    demoted_.emplace_back(codec);
    demoted_count_.store(demoted_.size(), std::memory_order_release);
    return true;
  }

 private:
  const bool enabled_;
  mutable std::mutex mu_;
  std::vector<std::string> demoted_;
  std::atomic<std::size_t> demoted_count_{0};
};

}  // namespace exproto::host
