#include "host/reload/plugin_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "host/metrics/metrics.h"

namespace exproto::host {

std::expected<std::unique_ptr<PluginWatcher>, std::string> PluginWatcher::start(const std::filesystem::path& dir,
                                                                               std::chrono::milliseconds debounce,
                                                                               OnChanged on_changed,
                                                                               Metrics& metrics) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return std::unexpected(std::string("inotify: ") + std::strerror(errno));
  // IN_DELETE_SELF, IN_MOVE_SELF (and the IN_IGNORED, IN_UNMOUNT inotify adds): the folder itself
  // went, so its path no longer names what is watched.
  if (::inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF) < 0) {
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
  return std::make_unique<PluginWatcher>(dir, debounce, std::move(on_changed), metrics, fd, wake);
}

PluginWatcher::PluginWatcher(std::filesystem::path dir, std::chrono::milliseconds debounce, OnChanged on_changed,
                             Metrics& metrics, int inotify_fd, int wake_fd)
    : dir_(std::move(dir)),
      debounce_(debounce),
      on_changed_(std::move(on_changed)),
      metrics_(metrics),
      inotify_fd_(inotify_fd),
      wake_fd_(wake_fd),
      thread_([this] { run(); }) {
  metrics_.plugin_watcher_running.set(1);
}

PluginWatcher::~PluginWatcher() {
  const uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  metrics_.plugin_watcher_running.set(0);
  ::close(inotify_fd_);
  ::close(wake_fd_);
}

bool PluginWatcher::drain_events(std::map<std::string, Due>& due) {
  alignas(inotify_event) std::array<char, 16384> buf;
  for (;;) {
    const ssize_t n = ::read(inotify_fd_, buf.data(), buf.size());
    if (n <= 0) return true;  // EAGAIN: all read
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        spdlog::warn("plugins folder {}: inotify queue overflowed; changes may be missed until the next write",
                     dir_.string());
        metrics_.count_watcher_problem(Metrics::WatcherProblem::queue_overflow);
        continue;
      }
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
        spdlog::error("plugins folder {} was removed, moved away or unmounted: watching stops (reload codecs with "
                      "`exproto-host ctl reload`, restart the host to watch the folder again)",
                      dir_.string());
        metrics_.count_watcher_problem(Metrics::WatcherProblem::folder_gone);
        return false;
      }
      if (ev->len == 0) continue;
      std::string name(ev->name);
      // A new signature is a reason to load its codec again (one refused as unsigned, say). It
      // waits the quiet time, so a codec renamed in right after its signature loads once, signed.
      const bool signature = name.ends_with(".so.sig");
      if (signature) name.resize(name.size() - 4);
      if (!name.ends_with(".so")) continue;
      const auto now = std::chrono::steady_clock::now();
      // Every further write restarts the quiet period; a rename needs none (see the header).
      due[name] = Due{(ev->mask & IN_MOVED_TO) != 0 && !signature ? now : now + debounce_, now};
    }
  }
}

void PluginWatcher::run() {
  std::map<std::string, Due> due;
  for (;;) {
    int timeout_ms = -1;
    if (!due.empty()) {
      auto first = due.begin()->second.at;
      for (const auto& [name, d] : due) first = std::min(first, d.at);
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(first - std::chrono::steady_clock::now());
      timeout_ms = static_cast<int>(std::max<int64_t>(0, left.count()));
    }
    std::array<pollfd, 2> fds{pollfd{inotify_fd_, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      spdlog::error("plugins folder {}: poll failed: {}; watching stops", dir_.string(), std::strerror(errno));
      metrics_.count_watcher_problem(Metrics::WatcherProblem::poll_failed);
      metrics_.plugin_watcher_running.set(0);
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents != 0 && !drain_events(due)) {
      metrics_.plugin_watcher_running.set(0);
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    for (auto it = due.begin(); it != due.end();) {
      if (it->second.at <= now) {
        const auto file = dir_ / it->first;
        const auto landed = it->second.landed;
        it = due.erase(it);
        on_changed_(file, landed);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace exproto::host
