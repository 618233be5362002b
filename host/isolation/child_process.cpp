#include "host/isolation/child_process.h"

#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace exproto::host {

namespace {

// [0] the read end, [1] the write end; both close-on-exec.
std::expected<std::pair<UniqueFd, UniqueFd>, std::string> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::unexpected(std::string("pipe2: ") + std::strerror(errno));
  return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Owns posix_spawn's file actions.
class FileActions {
 public:
  FileActions() { ::posix_spawn_file_actions_init(&fa_); }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&fa_); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

std::string describe(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = ::sigabbrev_np(sig);
    std::string why = fmt::format("killed by signal {} (SIG{})", sig, abbrev != nullptr ? abbrev : "?");
    if (sig == SIGABRT) why += ", e.g. an exception that escaped a hook";
    return why;
  }
  return fmt::format("ended with wait status {}", status);
}

}  // namespace

std::expected<SpawnedChild, std::string> spawn_runner(const std::filesystem::path& exe,
                                                      const std::vector<std::string>& args, std::size_t channels) {
  SpawnedChild child;
  // The child's ends, in the order of their fd numbers there (3, 4, 5, ...). They are moved above
  // those numbers first: a dup2 onto fd 3 must never overwrite another child end that happens to
  // be fd 3 before it was copied.
  std::vector<UniqueFd> child_ends;
  const int above_targets = runner_channel_fd(channels) + 1;
  for (std::size_t i = 0; i < channels + 1; ++i) {
    auto down = make_pipe();  // host -> child
    auto up = make_pipe();    // child -> host
    if (!down || !up) return std::unexpected(!down ? down.error() : up.error());
    (i == 0 ? child.control : child.channels.emplace_back()) = LinkEnds{std::move(up->first), std::move(down->second)};
    for (UniqueFd* end : {&down->first, &up->second}) {
      UniqueFd high(::fcntl(end->get(), F_DUPFD_CLOEXEC, above_targets));
      if (!high) return std::unexpected(std::string("fcntl(F_DUPFD_CLOEXEC): ") + std::strerror(errno));
      child_ends.push_back(std::move(high));
    }
  }
  FileActions actions;
  // dup2 onto the fixed numbers clears close-on-exec on the copies only.
  for (std::size_t i = 0; i < child_ends.size(); ++i) {
    ::posix_spawn_file_actions_adddup2(actions.get(), child_ends[i].get(), kRunnerControlFd + static_cast<int>(i));
  }
  std::vector<std::string> argv_strings;
  argv_strings.push_back(exe.string());
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = ::posix_spawn(&child.pid, exe.c_str(), actions.get(), nullptr, argv.data(), environ);
  if (rc != 0) return std::unexpected(fmt::format("cannot start {}: {}", exe.string(), std::strerror(rc)));
  return child;  // the child's ends close here, in this process only
}

std::string reap_child(pid_t pid, std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  bool killed = false;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return describe(status);
    if (r < 0 && errno != EINTR) return std::string("cannot wait for it: ") + std::strerror(errno);
    if (!killed && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(killed ? 1 : 2));
  }
}

}  // namespace exproto::host
