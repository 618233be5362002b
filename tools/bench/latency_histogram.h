// A fixed-size, lock-free latency histogram that many gRPC callback threads record into at once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace exproto::bench {

// Log-linear buckets (64 per power of two, ~1.6% relative error) over nanoseconds: precise enough
// for p99 of loopback RPCs, bounded memory, and recording is one relaxed atomic increment so
// the measurement does not serialize the threads it measures.
class LatencyHistogram {
 public:
  void record(uint64_t nanos);
  uint64_t count() const;
  // q in [0,1]; returns microseconds (0 when empty).
  double quantile_us(double q) const;
  double mean_us() const;
  double max_us() const;

 private:
  static constexpr unsigned kSubBits = 6;
  static constexpr unsigned kSub = 1u << kSubBits;
  static constexpr unsigned kMaxExp = 42;  // ~73 min, far beyond any frame's life
  static constexpr unsigned kBuckets = (kMaxExp - kSubBits + 1) * kSub + kSub;

  static unsigned bucket_of(uint64_t nanos);
  static uint64_t bucket_mid(unsigned index);

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> max_ns_{0};
};

}  // namespace exproto::bench
