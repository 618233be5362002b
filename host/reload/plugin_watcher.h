// Watches the plugins folder with inotify and reports a `.so` (or its `.so.sig`) that was moved in (IN_MOVED_TO: the
// safe write-then-rename) at once, and one written in place (IN_CLOSE_WRITE) once it has been
// quiet for the debounce time. A rename is atomic: the name shows complete bytes the moment it
// appears, so waiting would only delay the reload. An in-place write is complete at its writer's
// close, except when several writers (or one that closes and reopens, like `cp` onto a busy
// file) touch the file in turn: the quiet period is there for them alone.
//
// Trouble is logged and counted (exproto_plugin_watcher_problems_total): an inotify queue
// overflow (changes may be missed), and the folder itself removed, moved away or unmounted, or
// poll failing, after which watching stops (exproto_plugin_watcher_running 0) until a restart.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace exproto::host {

struct Metrics;

class PluginWatcher {
 public:
  // `landed`: when the file's last change was noticed (what a reload's landing-to-serving time
  // counts from).
  using OnChanged =
      std::function<void(const std::filesystem::path& file, std::chrono::steady_clock::time_point landed)>;
  // Errors: "inotify: <why>", "cannot watch <dir>: <why>". `metrics` outlives the watcher.
  static std::expected<std::unique_ptr<PluginWatcher>, std::string> start(const std::filesystem::path& dir,
                                                                        std::chrono::milliseconds debounce,
                                                                        OnChanged on_changed, Metrics& metrics);
  ~PluginWatcher();
  PluginWatcher(const PluginWatcher&) = delete;
  PluginWatcher& operator=(const PluginWatcher&) = delete;

  struct Fds;
  PluginWatcher(std::filesystem::path dir, std::chrono::milliseconds debounce, OnChanged on_changed, Metrics& metrics,
                int inotify_fd, int wake_fd);  // use start()

 private:
  void run();
  struct Due {
    std::chrono::steady_clock::time_point at;      // when to report it
    std::chrono::steady_clock::time_point landed;  // when its last change was seen
  };
  // false once the folder itself is gone (watching stops).
  bool drain_events(std::map<std::string, Due>& due);

  const std::filesystem::path dir_;
  const std::chrono::milliseconds debounce_;
  const OnChanged on_changed_;
  Metrics& metrics_;
  int inotify_fd_;
  int wake_fd_;  // eventfd: written by the destructor to end run()
  std::thread thread_;
};

}  // namespace exproto::host
