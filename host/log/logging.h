// spdlog set-up for the host process.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace exproto::host {

// Sets the default logger's level ("trace".."error") and format: "text" (human lines; without
// the time stamp when stdout is systemd's journal, which stamps every line itself) or "json"
// (host/log/json_formatter.h). Unknown level or format -> error.
std::expected<void, std::string> configure_logging(std::string_view level, std::string_view format = "text");

// True when stdout or stderr is the stream systemd connected to the journal (JOURNAL_STREAM).
bool writing_to_journal();

}  // namespace exproto::host
