#include "config.hpp"

#include <exproto/codec.hpp>
#include <nlohmann/json.hpp>

#include <string>

namespace jsonframe {
namespace {

[[noreturn]] void reject(const std::string& why) {
  throw exproto::Error(exproto::kError, "jsonframe config: " + why);
}

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
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
    if (key == "max_frame_bytes") {
      if (!value.is_number_integer()) reject("\"max_frame_bytes\" must be an integer");
      const auto n = value.get<long long>();
      if (n < static_cast<long long>(kMinFrameBytes) || n > static_cast<long long>(kMaxFrameBytes)) {
        reject("\"max_frame_bytes\" must be between " + std::to_string(kMinFrameBytes) + " and " +
               std::to_string(kMaxFrameBytes) + ", got " + std::to_string(n));
      }
      cfg.max_frame_bytes = static_cast<std::size_t>(n);
    } else {
      reject("unknown key \"" + key + "\" (known: max_frame_bytes)");
    }
  }
  return cfg;
}

}  // namespace jsonframe
