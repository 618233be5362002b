#include "prometheus.h"

#include <cstdlib>

namespace faults {

namespace {

// End of the sample name, after its label set if any (quotes inside labels may hold '}' or
// spaces); npos if the braces do not close.
std::size_t name_end(std::string_view line) {
  const auto first_gap = line.find_first_of(" \t{");
  if (first_gap == std::string_view::npos || line[first_gap] != '{') return first_gap;
  bool quoted = false;
  for (std::size_t i = first_gap + 1; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '\\') {
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == '}') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::expected<Metrics, std::string> parse_prometheus(std::string_view text) {
  Metrics metrics;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto end = name_end(line);
    if (end == std::string_view::npos || end == 0 || end >= line.size())
      return std::unexpected("not a metrics sample: '" + std::string(line) + "'");
    auto rest = line.substr(end);
    rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
    const std::string value(rest.substr(0, rest.find_first_of(" \t")));
    char* parsed_to = nullptr;
    const double number = std::strtod(value.c_str(), &parsed_to);
    if (value.empty() || parsed_to != value.c_str() + value.size())
      return std::unexpected("bad value in metrics sample: '" + std::string(line) + "'");
    metrics[std::string(line.substr(0, end))] = number;
  }
  return metrics;
}

}  // namespace faults
