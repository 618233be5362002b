#include "child_run.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <thread>

namespace codec_check {

std::expected<ChildOutcome, std::string> run_in_child(const std::function<int()>& body, const CrashContext& context,
                                                      std::chrono::milliseconds hang_after) {
  std::fflush(nullptr);  // otherwise the child inherits and prints the parent's buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    const int code = body();
    std::fflush(nullptr);
    ::_exit(code);  // no atexit handlers or static destructors of the parent's image in the child
  }

  using clock = std::chrono::steady_clock;
  auto seen = context.progress.load(std::memory_order_relaxed);
  auto moved_at = clock::now();
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      if (WIFSIGNALED(status)) return ChildOutcome{ChildOutcome::Kind::signalled, 0, WTERMSIG(status)};
      return ChildOutcome{ChildOutcome::Kind::exited, WEXITSTATUS(status), 0};
    }
    if (r < 0 && errno != EINTR) return std::unexpected(std::string("waitpid failed: ") + std::strerror(errno));
    const auto now_seen = context.progress.load(std::memory_order_relaxed);
    if (now_seen != seen) {
      seen = now_seen;
      moved_at = clock::now();
    } else if (clock::now() - moved_at > hang_after) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return ChildOutcome{ChildOutcome::Kind::hung, 0, 0};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace codec_check
