// log.format = "json": one JSON object per line with stable field names, for Loki, ELK and
// journald's JSON export:
//   {"time":"2026-12-06T17:46:24.123Z","level":"info","codec":"jt808","conn":"<pid>","event":"bytes","msg":"..."}
// time is UTC with milliseconds; codec, conn and event are present only for lines written while a
// session handles an event (host/log/log_context.h). A process can give fixed fields for every
// line instead (a codec-runner child: codec, route, pid); they follow level, before any context.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace exproto::host {

class JsonFormatter final : public spdlog::formatter {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  JsonFormatter() = default;
  explicit JsonFormatter(Fields fixed) : fixed_(std::move(fixed)) {}
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;

 private:
  Fields fixed_;
};

}  // namespace exproto::host
