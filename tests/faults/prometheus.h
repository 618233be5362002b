// Prometheus text exposition (what `exproto-host ctl metrics` prints) as a map.
#pragma once

#include <expected>
#include <map>
#include <string>
#include <string_view>

namespace faults {

/// Sample name with its labels exactly as written ("exproto_sessions_active",
/// "x_total{route=\"7993\"}") → value. Comments and blank lines are skipped; NaN and ±Inf are
/// accepted; an optional timestamp after the value is ignored. A line that is not a sample is
/// an error naming it.
using Metrics = std::map<std::string, double>;
std::expected<Metrics, std::string> parse_prometheus(std::string_view text);

}  // namespace faults
