// JSON parsing for the config file that refuses what nlohmann accepts silently: a key given twice
// in one object (nlohmann keeps the last, so an operator's edit could be shadowed unnoticed).
#pragma once

#include <nlohmann/json.hpp>

#include <expected>
#include <string>
#include <string_view>

namespace exproto::host {

// Errors: "invalid JSON: <where and what>" or "<key path>: duplicate key".
std::expected<nlohmann::json, std::string> parse_strict_json(std::string_view text);

}  // namespace exproto::host
