// Starting and ending a codec-runner child: posix_spawn of the runner executable with its
// socketpair ends as fds 3 (control) and 4.. (hook channels), and reaping it with a description of
// how it ended.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "host/isolation/unique_fd.h"

namespace exproto::host {

// The fd numbers the child finds its sockets at.
inline constexpr int kRunnerControlFd = 3;
inline constexpr int kRunnerFirstChannelFd = 4;

struct SpawnedChild {
  pid_t pid = -1;
  UniqueFd control;                // the host's end of fd 3
  std::vector<UniqueFd> channels;  // the host's ends of fds 4..
};

// Spawns `exe` with `args` (argv[1]...) and `channels` hook channels. The host's ends are
// close-on-exec, so no other child ever inherits them.
std::expected<SpawnedChild, std::string> spawn_runner(const std::filesystem::path& exe,
                                                      const std::vector<std::string>& args, std::size_t channels);

// Waits for `pid` to end, sending SIGKILL once `grace` has passed, and says how it ended:
// "exited with status 3", "killed by signal 11 (SIGSEGV)".
std::string reap_child(pid_t pid, std::chrono::milliseconds grace);

}  // namespace exproto::host
