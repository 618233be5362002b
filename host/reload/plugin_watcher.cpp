#include "host/reload/plugin_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace exproto::host {

std::expected<std::unique_ptr<PluginWatcher>, std::string> PluginWatcher::start(const std::filesystem::path& dir,
                                                                               std::chrono::milliseconds debounce,
                                                                               OnChanged on_changed) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return std::unexpected(std::string("inotify: ") + std::strerror(errno));
  if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return std::unexpected("cannot watch " + dir.string() + ": " + why);
  }
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return std::unexpected("eventfd: " + why);
  }
  return std::make_unique<PluginWatcher>(dir, debounce, std::move(on_changed), fd, wake);
}

PluginWatcher::PluginWatcher(std::filesystem::path dir, std::chrono::milliseconds debounce, OnChanged on_changed,
                             int inotify_fd, int wake_fd)
    : dir_(std::move(dir)),
      debounce_(debounce),
      on_changed_(std::move(on_changed)),
      inotify_fd_(inotify_fd),
      wake_fd_(wake_fd),
      thread_([this] { run(); }) {}

PluginWatcher::~PluginWatcher() {
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(inotify_fd_);
  ::close(wake_fd_);
}

void PluginWatcher::drain_events(std::map<std::string, std::chrono::steady_clock::time_point>& due) {
  alignas(inotify_event) std::array<char, 16384> buf;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buf.data(), buf.size());
    if (n <= 0) return;  // EAGAIN: all read
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        spdlog::warn("plugins folder {}: inotify queue overflowed; changes may be missed until the next write",
                     dir_.string());
        continue;
      }
      if (ev->len == 0) continue;
      const std::string name(ev->name);
      if (!name.ends_with(".so")) continue;
      // Every further write restarts the quiet period.
      due[name] = std::chrono::steady_clock::now() + debounce_;
    }
  }
}

void PluginWatcher::run() {
  std::map<std::string, std::chrono::steady_clock::time_point> due;
  for (;;) {
    int timeout_ms = -1;
    if (!due.empty()) {
      auto first = due.begin()->second;
      for (const auto& [name, t] : due) first = std::min(first, t);
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(first - std::chrono::steady_clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    std::array<pollfd, 2> fds{pollfd{inotify_fd_, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      spdlog::error("plugins folder {}: poll failed: {}; watching stops", dir_.string(), std::strerror(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0) drain_events(due);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = due.begin(); it != due.end();) {
      if (it->second <= now) {
        const auto file = dir_ / it->first;
        it = due.erase(it);
        on_changed_(file);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace exproto::host
