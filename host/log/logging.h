// spdlog set-up for the host process.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace exproto::host {

// Sets the default logger's level ("trace".."error") and pattern; unknown level → error.
std::expected<void, std::string> configure_logging(std::string_view level);

}  // namespace exproto::host
