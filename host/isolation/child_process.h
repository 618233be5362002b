// Starting and ending a codec-runner child: posix_spawn of the runner executable with its pipe
// ends as fds 3, 4 (control) and 5.. (hook channels), and reaping it with a description of how it
// ended.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

#include "host/os/unique_fd.h"

namespace exproto::host {

// The fd numbers the child finds its pipes at: each link is two pipes, the child reading the
// first fd of its pair and writing the second. Control first, then one pair per hook channel.
inline constexpr int kRunnerControlFd = 3;       // control: 3 (read) and 4 (write)
inline constexpr int kRunnerFirstChannelFd = 5;  // channel i: 5 + 2i (read) and 6 + 2i (write)
inline constexpr int runner_channel_fd(std::size_t i) { return kRunnerFirstChannelFd + 2 * static_cast<int>(i); }

// The host's ends of one link: it reads what the child writes, and the other way round.
struct LinkEnds {
  UniqueFd in;
  UniqueFd out;
};

struct SpawnedChild {
  pid_t pid = -1;
  LinkEnds control;
  std::vector<LinkEnds> channels;
};

// Spawns `exe` with `args` (argv[1]...) and `channels` hook channels. The host's ends are
// close-on-exec, so no other child ever inherits them.
std::expected<SpawnedChild, std::string> spawn_runner(const std::filesystem::path& exe,
                                                      const std::vector<std::string>& args, std::size_t channels);

// Waits for `pid` to end, sending SIGKILL once `grace` has passed, and says how it ended:
// "exited with status 3", "killed by signal 11 (SIGSEGV)".
std::string reap_child(pid_t pid, std::chrono::milliseconds grace);

}  // namespace exproto::host
