// Watches the plugins folder with inotify and reports a `.so` that was written (IN_CLOSE_WRITE:
// an in-place copy) or moved in (IN_MOVED_TO: the safe write-then-rename), once it has been
// quiet for the debounce time, so a file still being written is not loaded half-way.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>

namespace exproto::host {

class PluginWatcher {
 public:
  using OnChanged = std::function<void(const std::filesystem::path& file)>;
  // Errors: "inotify: <why>", "cannot watch <dir>: <why>".
  static std::expected<std::unique_ptr<PluginWatcher>, std::string> start(const std::filesystem::path& dir,
                                                                        std::chrono::milliseconds debounce,
                                                                        OnChanged on_changed);
  ~PluginWatcher();
  PluginWatcher(const PluginWatcher&) = delete;
  PluginWatcher& operator=(const PluginWatcher&) = delete;

  struct Fds;
  PluginWatcher(std::filesystem::path dir, std::chrono::milliseconds debounce, OnChanged on_changed, int inotify_fd,
                int wake_fd);  // use start()

 private:
  void run();
  void drain_events(std::map<std::string, std::chrono::steady_clock::time_point>& due);

  const std::filesystem::path dir_;
  const std::chrono::milliseconds debounce_;
  const OnChanged on_changed_;
  int inotify_fd_;
  int wake_fd_;  // eventfd: written by the destructor to end run()
  std::thread thread_;
};

}  // namespace exproto::host
