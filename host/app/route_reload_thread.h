// SIGHUP re-reads the config and applies its routes. That can load codecs and run
// on_codec_create, which may take long or hang; done on the signal thread it would make SIGTERM
// unanswerable. So it runs here, and requests made while one runs coalesce into one more run.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

namespace exproto::host {

class App;

class RouteReloadThread {
 public:
  // `around(true)` runs before each reload and `around(false)` after it, on this thread (systemd's
  // RELOADING=1 / READY=1).
  RouteReloadThread(std::filesystem::path config_file, App& app, std::function<void(bool starting)> around = {});
  ~RouteReloadThread();  // waits for a reload in progress
  RouteReloadThread(const RouteReloadThread&) = delete;
  RouteReloadThread& operator=(const RouteReloadThread&) = delete;

  // Any thread; returns at once.
  void request();

 private:
  void run(std::stop_token stop);
  void reload_once();

  const std::filesystem::path config_file_;
  App& app_;
  const std::function<void(bool)> around_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  bool requested_ = false;
  std::jthread thread_;  // last
};

}  // namespace exproto::host
