#include "host/log/json_formatter.h"

#include <fmt/format.h>
#include <spdlog/details/log_msg.h>

#include <chrono>
#include <ctime>
#include <iterator>
#include <string_view>

#include "host/log/log_context.h"

namespace exproto::host {
namespace {

void append(spdlog::memory_buf_t& dest, std::string_view s) { dest.append(s.data(), s.data() + s.size()); }

// JSON string escaping; bytes that are not valid UTF-8 are passed through (codec messages are
// UTF-8 by the ABI's contract; a log shipper replaces what it cannot read).
void append_string(spdlog::memory_buf_t& dest, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  dest.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': append(dest, "\\\""); break;
      case '\\': append(dest, "\\\\"); break;
      case '\n': append(dest, "\\n"); break;
      case '\r': append(dest, "\\r"); break;
      case '\t': append(dest, "\\t"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          append(dest, "\\u00");
          dest.push_back(kHex[(c >> 4) & 0xf]);
          dest.push_back(kHex[c & 0xf]);
        } else {
          dest.push_back(c);
        }
    }
  }
  dest.push_back('"');
}

void append_field(spdlog::memory_buf_t& dest, std::string_view name, std::string_view value) {
  dest.push_back(',');
  append_string(dest, name);
  dest.push_back(':');
  append_string(dest, value);
}

}  // namespace

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  fmt::format_to(std::back_inserter(dest), R"({{"time":"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z")", utc.tm_year + 1900,
                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, ms % 1000);
  const auto level = spdlog::level::to_string_view(msg.level);
  append_field(dest, "level", std::string_view(level.data(), level.size()));
  for (const auto& [name, value] : fixed_) append_field(dest, name, value);
  if (const LogContext* c = current_log_context()) {
    append_field(dest, "codec", c->codec);
    append_field(dest, "conn", c->conn);
    append_field(dest, "event", c->event);
  }
  append_field(dest, "msg", std::string_view(msg.payload.data(), msg.payload.size()));
  append(dest, "}\n");
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const { return std::make_unique<JsonFormatter>(fixed_); }

}  // namespace exproto::host
