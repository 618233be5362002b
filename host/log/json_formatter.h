// log.format = "json": one JSON object per line with stable field names, for Loki, ELK and
// journald's JSON export:
//   {"time":"2026-12-06T17:46:24.123Z","level":"info","codec":"jt808","conn":"<pid>","event":"bytes","msg":"..."}
// time is UTC with milliseconds; codec, conn and event are present only for lines written while a
// session handles an event (host/log/log_context.h).
#pragma once

#include <spdlog/formatter.h>

#include <memory>

namespace exproto::host {

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace exproto::host
