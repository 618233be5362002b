#include "host/log/logging.h"

#include <spdlog/spdlog.h>

namespace exproto::host {

std::expected<void, std::string> configure_logging(std::string_view level) {
  const auto lvl = spdlog::level::from_str(std::string(level));
  // from_str answers "off" for anything it does not know.
  if (lvl == spdlog::level::off && level != "off") {
    return std::unexpected("log.level: expected trace|debug|info|warn|error, got \"" + std::string(level) + "\"");
  }
  spdlog::set_level(lvl);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  return {};
}

}  // namespace exproto::host
