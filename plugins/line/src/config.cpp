#include "config.hpp"

#include <exproto/codec.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace line {
namespace {

[[noreturn]] void reject(const std::string& why) { throw exproto::Error(exproto::kError, "line config: " + why); }

bool blank(std::string_view text) { return text.find_first_not_of(" \t\r\n") == std::string_view::npos; }

long long integer_in(const nlohmann::json& value, const char* key, long long lo, long long hi) {
  if (!value.is_number_integer()) reject(std::string("\"") + key + "\" must be an integer, got " + value.type_name());
  const auto n = value.is_number_unsigned() && value.get<unsigned long long>() > static_cast<unsigned long long>(hi)
                     ? hi + 1
                     : value.get<long long>();
  if (n < lo || n > hi) {
    reject(std::string("\"") + key + "\" must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
           ", got " + value.dump());
  }
  return n;
}

}  // namespace

Config parse_config(std::string_view json_text) {
  Config cfg;
  if (blank(json_text)) return cfg;
  const auto doc = nlohmann::json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded()) reject("not valid JSON");
  if (doc.is_null()) return cfg;
  if (!doc.is_object()) reject(std::string("must be an object, got ") + doc.type_name());

  for (const auto& [key, value] : doc.items()) {
    if (key == "keepalive") {
      // EMQX clamps larger intervals anyway; 65535 s is MQTT's own ceiling.
      cfg.keepalive_s = static_cast<std::uint32_t>(integer_in(value, "keepalive", 0, 65535));
    } else if (key == "max_line_bytes") {
      cfg.max_line_bytes = static_cast<std::size_t>(integer_in(value, "max_line_bytes", 16, 1024 * 1024));
    } else if (key == "default_qos") {
      cfg.default_qos = static_cast<std::uint32_t>(integer_in(value, "default_qos", 0, 2));
    } else {
      reject("unknown key \"" + key + "\" (known: keepalive, max_line_bytes, default_qos)");
    }
  }
  return cfg;
}

}  // namespace line
