// Thread-safe AdapterCounters: arrivals are counted on gRPC's threads, outcomes on the I/O thread.
#pragma once

#include "devgw/adapter_counters.hpp"

#include <mutex>
#include <string>
#include <string_view>

namespace exproto::devgw {

class AdapterTally {
 public:
  void received(std::string_view method, bool zero_length_send) {
    std::lock_guard lock(mutex_);
    ++counters_.received[std::string(method)];
    if (zero_length_send) ++counters_.zero_length_sends;
  }
  void answered(std::string_view method) {
    std::lock_guard lock(mutex_);
    ++counters_.answered[std::string(method)];
  }
  void cancelled() {
    std::lock_guard lock(mutex_);
    ++counters_.cancelled;
  }
  void abandoned() {
    std::lock_guard lock(mutex_);
    ++counters_.abandoned;
  }
  AdapterCounters snapshot() const {
    std::lock_guard lock(mutex_);
    return counters_;
  }

 private:
  mutable std::mutex mutex_;
  AdapterCounters counters_;
};

}  // namespace exproto::devgw
