#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace exproto::bench {

unsigned LatencyHistogram::bucket_of(uint64_t nanos) {
  if (nanos < kSub) return static_cast<unsigned>(nanos);
  unsigned exp = static_cast<unsigned>(std::bit_width(nanos)) - 1;  // >= kSubBits
  if (exp > kMaxExp) return kBuckets - 1;
  unsigned mantissa = static_cast<unsigned>(nanos >> (exp - kSubBits)) & (kSub - 1);
  return (exp - kSubBits + 1) * kSub + mantissa;
}

uint64_t LatencyHistogram::bucket_mid(unsigned index) {
  if (index < kSub) return index;
  unsigned exp = index / kSub - 1 + kSubBits;
  uint64_t mantissa = index % kSub;
  uint64_t low = (uint64_t{kSub} + mantissa) << (exp - kSubBits);
  uint64_t width = uint64_t{1} << (exp - kSubBits);
  return low + width / 2;
}

void LatencyHistogram::record(uint64_t nanos) {
  buckets_[bucket_of(nanos)].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(nanos, std::memory_order_relaxed);
  uint64_t seen = max_ns_.load(std::memory_order_relaxed);
  while (nanos > seen && !max_ns_.compare_exchange_weak(seen, nanos, std::memory_order_relaxed)) {
  }
}

uint64_t LatencyHistogram::count() const { return total_.load(std::memory_order_relaxed); }

double LatencyHistogram::quantile_us(double q) const {
  uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return 0.0;
  // rank of the q-th sample, 1-based, so q=0.5 of 2 samples is the first one
  auto rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(total)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return static_cast<double>(bucket_mid(i)) / 1000.0;
  }
  return max_us();
}

double LatencyHistogram::mean_us() const {
  uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / n / 1000.0;
}

double LatencyHistogram::max_us() const {
  return static_cast<double>(max_ns_.load(std::memory_order_relaxed)) / 1000.0;
}

}  // namespace exproto::bench
