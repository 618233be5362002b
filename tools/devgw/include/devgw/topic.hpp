// MQTT topic filter matching with EMQX's rules.
#pragma once

#include <string_view>

namespace exproto::devgw {

/// True if topic `name` matches `filter`: `+` matches exactly one level, `#` (last level only)
/// matches the parent level and everything below, and a name whose first level starts with `$`
/// is never matched by a filter whose first level is a wildcard. Wildcard characters inside
/// `name` are compared literally (so an authorization filter can be matched against a
/// subscription filter).
bool topic_matches(std::string_view filter, std::string_view name);

/// True if `filter` is a well-formed MQTT topic filter (non-empty, `#` only as the whole last
/// level, `+` only as a whole level).
bool valid_topic_filter(std::string_view filter);

}  // namespace exproto::devgw
