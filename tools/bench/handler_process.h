// A handler under test run as a child process: started with posix_spawn, stopped with SIGTERM.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace exproto::bench {

class HandlerProcess {
 public:
  // argv[0] is the executable's path. stdout and stderr go to `log_file`, so a chatty handler
  // does not interleave with the report. Throws std::runtime_error if it cannot be started.
  HandlerProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file);
  ~HandlerProcess();  // stop()s it if still running
  HandlerProcess(const HandlerProcess&) = delete;
  HandlerProcess& operator=(const HandlerProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool alive();

  // SIGTERM, then up to `grace_seconds` for it to exit, then SIGKILL. Returns how it ended,
  // e.g. "exit 0", "signal 9". Idempotent.
  std::string stop(double grace_seconds = 5.0);

  // The last `lines` lines of its output, for error messages.
  std::string log_tail(std::size_t lines = 20) const;

 private:
  bool reap(bool block);
  static std::string describe(int wait_status);

  pid_t pid_ = -1;
  std::filesystem::path log_file_;
  std::optional<int> wait_status_;
};

}  // namespace exproto::bench
