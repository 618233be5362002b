// Thread-safe store of Records with condition waits (the observability side of the gateway).
#pragma once

#include "devgw/records.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace exproto::devgw {

class Journal {
 public:
  explicit Journal(bool enabled = true) : enabled_(enabled) {}

  /// Appends under the lock and wakes every waiter (nothing when disabled).
  template <class Fn>
  void update(Fn&& fn) {
    if (!enabled_) return;
    {
      std::lock_guard lock(mutex_);
      fn(records_);
    }
    changed_.notify_all();
  }

  Records snapshot() const {
    std::lock_guard lock(mutex_);
    return records_;
  }

  bool wait_for(const std::function<bool(const Records&)>& pred, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(records_); });
  }

 private:
  const bool enabled_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Records records_;
};

}  // namespace exproto::devgw
