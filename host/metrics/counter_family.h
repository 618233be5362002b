// A counter with labels whose values are known only at run time (codec names), rendered as one
// Prometheus family. Bounded all the same: past `max_series` distinct label sets, further ones are
// counted under the set whose every value is "other", so a misbehaving caller cannot grow /metrics
// without end. Label values here never name a conn or a clientid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace exproto::host {

// `value` as a label value of the text format: backslash, double quote and newline escaped.
std::string prometheus_label_value(std::string_view value);

class CounterFamily {
 public:
  static constexpr std::size_t kDefaultMaxSeries = 256;
  explicit CounterFamily(std::vector<std::string> label_names, std::size_t max_series = kDefaultMaxSeries)
      : names_(std::move(label_names)), max_series_(max_series) {}

  // `values`: one per label name, in the same order (any thread; takes a mutex: for events that
  // are rare by nature, such as failures, not for every hook).
  void inc(const std::vector<std::string_view>& values, uint64_t n = 1);
  uint64_t get(const std::vector<std::string_view>& values) const;  // 0 for a set never counted

  // "# HELP", "# TYPE" and one sample per label set counted so far, sorted by label values.
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  const std::vector<std::string> names_;
  const std::size_t max_series_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, uint64_t, std::less<>> values_;
};

}  // namespace exproto::host
