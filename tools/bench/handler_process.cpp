#include "handler_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace exproto::bench {
namespace {

// posix_spawn's attribute and file-action objects need explicit destroy calls.
struct SpawnSetup {
  posix_spawn_file_actions_t actions{};
  posix_spawnattr_t attr{};
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

HandlerProcess::HandlerProcess(const std::vector<std::string>& argv, const std::filesystem::path& log_file)
    : log_file_(log_file) {
  if (argv.empty()) throw std::runtime_error("no handler command");
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  // The child must see SIGTERM with default handling even if this process blocks or ignores it.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &defaults);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int rc = posix_spawn(&pid_, argv[0].c_str(), &setup.actions, &setup.attr, args.data(), environ);
  if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
}

HandlerProcess::~HandlerProcess() { stop(); }

bool HandlerProcess::reap(bool block) {
  if (wait_status_) return true;
  int status = 0;
  pid_t got = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (got == pid_) wait_status_ = status;
  return wait_status_.has_value();
}

bool HandlerProcess::alive() { return !reap(false); }

std::string HandlerProcess::stop(double grace_seconds) {
  if (!reap(false)) {
    ::kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_seconds);
    while (!reap(false) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!reap(false)) {
      ::kill(pid_, SIGKILL);
      reap(true);
    }
  }
  return describe(*wait_status_);
}

std::string HandlerProcess::describe(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

std::string HandlerProcess::log_tail(std::size_t lines) const {
  std::ifstream in(log_file_);
  std::deque<std::string> tail;
  for (std::string line; std::getline(in, line);) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& line : tail) out += "    | " + line + "\n";
  return out;
}

}  // namespace exproto::bench
