// A Prometheus histogram with fixed buckets, lock-free: observe() is three relaxed atomic adds,
// cheap enough for every hook and every adapter call.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace exproto::host {

class Histogram {
 public:
  // Upper bounds in microseconds: a hook takes µs, an adapter round trip ms, a stall seconds.
  static constexpr std::array<uint64_t, 15> kBoundsUs{10,    25,    50,     100,     250,     500,      1000,    2500,
                                                      5000,  10000, 25000,  100000,  500000,  1000000,  10000000};

  void observe(std::chrono::nanoseconds d);
  // Appends `name`_bucket{le=…}, _sum (seconds) and _count lines; `labels` ("kind=\"x\"") go into
  // every line. HELP/TYPE are the caller's (one per metric name, not per label set).
  void render(std::string& out, std::string_view name, std::string_view labels = {}) const;

 private:
  std::array<std::atomic<uint64_t>, kBoundsUs.size() + 1> buckets_{};  // the last one is +Inf
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

}  // namespace exproto::host
