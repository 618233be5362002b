#include "host/metrics/histogram.h"

#include <fmt/format.h>

#include <algorithm>

namespace exproto::host {

void Histogram::observe(std::chrono::nanoseconds d) {
  const uint64_t ns = static_cast<uint64_t>(std::max<int64_t>(0, d.count()));
  const uint64_t us = ns / 1000;
  const auto at = std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), us) - kBoundsUs.begin();
  buckets_[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  const std::string sep = labels.empty() ? "" : std::string(labels) + ",";
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBoundsUs.size() ? fmt::format("{:g}", static_cast<double>(kBoundsUs[i]) / 1e6) : "+Inf";
    out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, sep, le, cumulative);
  }
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  out += fmt::format("{}_sum{} {:.9f}\n", name, braces, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  // _count equals the +Inf bucket; read again it could differ by a racing observe, which
  // Prometheus tolerates (the series are scraped as one sample each).
  out += fmt::format("{}_count{} {}\n", name, braces, cumulative);
}

}  // namespace exproto::host
