// Rate limit for log lines of one kind: during an outage every session fails the same way, and a
// line per failure would bury the one line an operator needs. Each kind may log `burst` lines per
// `window`; the rest are counted and reported as one summary line when the kind logs next.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <spdlog/spdlog.h>

#include "host/metrics/metrics.h"

namespace exproto::host {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // `suppressed`: a counter of the lines dropped (optional; must outlive the limiter).
  explicit LogLimiter(Counter* suppressed = nullptr, uint32_t burst = 5,
                      std::chrono::milliseconds window = std::chrono::seconds(10))
      : suppressed_counter_(suppressed), burst_(burst), window_(window) {}
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  struct Verdict {
    bool log = false;         // write this line
    uint64_t suppressed = 0;  // lines of this kind dropped since the last one written (say so)
  };
  // Any thread. `kind` names the kind of line (a fixed string per call site).
  Verdict allow(std::string_view kind, Clock::time_point now = Clock::now());

 private:
  struct Window {
    Clock::time_point start{};
    uint32_t written = 0;
    uint64_t suppressed = 0;
  };
  Counter* const suppressed_counter_;
  const uint32_t burst_;
  const std::chrono::milliseconds window_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Window> kinds_;  // a few dozen call sites at most
};

// Logs through `limiter`: one line, with the count of lines of its kind suppressed before it.
template <class... Args>
void log_limited(LogLimiter& limiter, spdlog::level::level_enum level, std::string_view kind,
                 fmt::format_string<Args...> format, Args&&... args) {
  const auto verdict = limiter.allow(kind);
  if (!verdict.log || !spdlog::should_log(level)) return;
  if (verdict.suppressed == 0) {
    spdlog::log(level, format, std::forward<Args>(args)...);
  } else {
    spdlog::log(level, "{} (+{} similar lines suppressed)", fmt::format(format, std::forward<Args>(args)...),
                verdict.suppressed);
  }
}

}  // namespace exproto::host
