#include "child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace faults {

std::string ExitStatus::describe() const {
  if (exited) return "exit " + std::to_string(code);
  return "signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::expected<std::unique_ptr<ChildProcess>, std::string> ChildProcess::spawn(const std::vector<std::string>& argv,
                                                                               const std::filesystem::path& out_file,
                                                                               const std::filesystem::path& err_file) {
  if (argv.empty()) return std::unexpected("spawn: empty argv");
  // Everything the child needs is prepared before fork: after it, a multi-threaded parent's
  // child may only make async-signal-safe calls (no allocation).
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string out = out_file.string();
  const std::string err = err_file.empty() ? out : err_file.string();
  const bool shared = err_file.empty();
  const long max_fd = ::sysconf(_SC_OPEN_MAX);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);  // the test died before prctl took effect
    const int in_fd = ::open("/dev/null", O_RDONLY);
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = shared ? out_fd : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0) ::_exit(125);
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Sockets of the test (devices, gRPC) must not live on in the child: a device the test
    // closes would stay open inside the gateway it started.
    if (::close_range(3, ~0U, 0) != 0)
      for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here, so kill() works even before the child ran
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid, out_file));
}

ChildProcess::~ChildProcess() { kill(); }

bool ChildProcess::reap() {
  if (status_) return true;
  int raw = 0;
  const pid_t r = ::waitpid(pid_, &raw, WNOHANG);
  if (r == 0) return false;
  if (r < 0) {  // not our child any more (should not happen): treat as gone
    status_ = ExitStatus{false, 0, 0};
    return true;
  }
  status_ = WIFEXITED(raw) ? ExitStatus{true, WEXITSTATUS(raw), 0} : ExitStatus{false, 0, WTERMSIG(raw)};
  return true;
}

bool ChildProcess::running() { return !reap(); }

bool ChildProcess::signal(int sig) {
  if (reap()) return false;
  return ::kill(pid_, sig) == 0;
}

namespace {

// True if every thread of `pid` is in state T (stopped), from /proc/PID/task/*/stat.
bool all_threads_stopped(pid_t pid) {
  std::error_code ec;
  const auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
  bool any = false;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    const auto stat = read_file(task.path() / "stat");
    // "TID (comm) S …": comm may hold spaces and parentheses, the state follows the last ')'.
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size() || stat[paren + 2] != 'T') return false;
    any = true;
  }
  return any && !ec;
}

}  // namespace

bool ChildProcess::freeze(std::chrono::milliseconds timeout) {
  if (!signal(SIGSTOP)) return false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!all_threads_stopped(pid_)) {
    if (!running() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void ChildProcess::kill() {
  if (status_) return;
  ::kill(-pid_, SIGKILL);  // the group: the process and whatever it started
  if (!wait_exit(std::chrono::seconds(5))) ::kill(pid_, SIGKILL);
}

std::optional<ExitStatus> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string ChildProcess::output() const { return read_file(out_file_); }

std::string ChildProcess::output_tail(std::size_t lines) const {
  const auto text = output();
  std::size_t start = text.size();
  for (std::size_t seen = 0; start > 0 && seen <= lines;) {
    --start;
    if (text[start] == '\n') ++seen;
  }
  return text.substr(start);
}

bool ChildProcess::wait_for_output(std::string_view text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (output().find(text) != std::string::npos) return true;
    if (!running() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace faults
