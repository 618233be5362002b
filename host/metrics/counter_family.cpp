#include "host/metrics/counter_family.h"

#include <fmt/format.h>

#include <algorithm>

namespace exproto::host {

std::string prometheus_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char ch : value) {
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    if (ch == '"' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

namespace {
std::vector<std::string> key_of(const std::vector<std::string_view>& values) {
  return std::vector<std::string>(values.begin(), values.end());
}
}  // namespace

void CounterFamily::inc(const std::vector<std::string_view>& values, uint64_t n) {
  auto key = key_of(values);
  key.resize(names_.size());
  std::lock_guard lk(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) {
    if (values_.size() + 1 >= max_series_) std::ranges::fill(key, std::string("other"));  // one place kept for it
    it = values_.try_emplace(std::move(key), 0).first;
  }
  it->second += n;
}

uint64_t CounterFamily::get(const std::vector<std::string_view>& values) const {
  auto key = key_of(values);
  key.resize(names_.size());
  std::lock_guard lk(mu_);
  auto it = values_.find(key);
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::render(std::string& out, std::string_view name, std::string_view help) const {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n", name, help);
  std::lock_guard lk(mu_);
  for (const auto& [key, n] : values_) {
    out += name;
    out += '{';
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (i != 0) out += ',';
      out += fmt::format("{}=\"{}\"", names_[i], prometheus_label_value(key[i]));
    }
    out += fmt::format("}} {}\n", n);
  }
}

}  // namespace exproto::host
