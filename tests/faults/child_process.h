// One child process owned by a test: started with its output in files, signalled, reaped, and
// SIGKILLed with its whole process group when the owner goes away, so a failing test leaves
// nothing running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace faults {

/// How a process ended.
struct ExitStatus {
  bool exited = false;  ///< true: `code` is valid; false: killed by `signal`
  int code = 0;
  int signal = 0;
  bool clean() const { return exited && code == 0; }
  std::string describe() const;  ///< "exit 0", "signal 9 (Killed)"
};

class ChildProcess {
 public:
  /// Starts `argv[0]` (a path) with `argv`. stdin is /dev/null; stdout goes to `out_file`,
  /// stderr to `err_file` (empty: the same file); both are created or truncated. The child
  /// leads a process group of its own (so kill() also reaches anything it starts), inherits no
  /// descriptor of the test besides 0–2, and gets SIGKILL if the thread that started it dies
  /// (PR_SET_PDEATHSIG: start children from the test's main thread).
  static std::expected<std::unique_ptr<ChildProcess>, std::string> spawn(const std::vector<std::string>& argv,
                                                                          const std::filesystem::path& out_file,
                                                                          const std::filesystem::path& err_file = {});
  /// kill().
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// False once the process has ended (it is reaped then; see exit_status()).
  bool running();
  /// Sends `sig` to the process only (SIGTERM, SIGSTOP, SIGCONT, …). False if it is gone.
  bool signal(int sig);
  /// SIGSTOP, then waits until every thread of the process is stopped (signal delivery is
  /// asynchronous: right after kill() a thread may still answer). False if that did not happen
  /// within `timeout` or the process is gone.
  bool freeze(std::chrono::milliseconds timeout = std::chrono::seconds(2));
  /// SIGKILL to the whole process group, then reaps the process (at most a few seconds: a
  /// SIGKILLed process cannot refuse). Idempotent.
  void kill();
  /// Waits up to `timeout` for the process to end; nullopt if it still runs.
  std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);
  /// Set once the process was reaped.
  const std::optional<ExitStatus>& exit_status() const { return status_; }

  const std::filesystem::path& out_file() const { return out_file_; }
  /// Everything the process wrote to stdout so far (and stderr, if they share a file).
  std::string output() const;
  /// Its last `lines` lines, for failure messages.
  std::string output_tail(std::size_t lines = 40) const;
  /// Polls the output until it contains `text`; false on timeout or if the process ended first.
  bool wait_for_output(std::string_view text, std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, std::filesystem::path out_file) : pid_(pid), out_file_(std::move(out_file)) {}
  /// waitpid(WNOHANG); true if it ended (status recorded).
  bool reap();

  pid_t pid_;
  std::filesystem::path out_file_;
  std::optional<ExitStatus> status_;
};

/// Reads a whole file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& file);

}  // namespace faults
