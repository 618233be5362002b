// What a log line is about — codec, conn and event — when it is written while a session handles
// an event. Set by the session around each event on the thread that runs it (thread-local, no
// lock), read by the JSON formatter, so every line a hook or the host writes there carries the
// fields without each call site repeating them.
#pragma once

#include <string>
#include <string_view>

namespace exproto::host {

struct LogContext {
  std::string codec;      // codec names are short (SSO): copied, since a migration may free the old one
  std::string_view conn;  // the session's own string, alive while the session runs
  std::string_view event;
};

// The context of the calling thread, or nullptr outside any session's event.
const LogContext* current_log_context();

class ScopedLogContext {
 public:
  explicit ScopedLogContext(LogContext context);
  ~ScopedLogContext();  // restores the outer one (an inline hook may run inside another's call)
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;

 private:
  LogContext context_;
  const LogContext* outer_;
};

}  // namespace exproto::host
