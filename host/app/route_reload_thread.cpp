#include "host/app/route_reload_thread.h"

#include <spdlog/spdlog.h>

#include "host/app/app.h"
#include "host/config/config.h"

namespace exproto::host {

RouteReloadThread::RouteReloadThread(std::filesystem::path config_file, App& app,
                                     std::function<void(bool)> around)
    : config_file_(std::move(config_file)), app_(app), around_(std::move(around)), thread_([this](std::stop_token stop) { run(stop); }) {}

RouteReloadThread::~RouteReloadThread() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void RouteReloadThread::request() {
  {
    std::lock_guard lk(mu_);
    requested_ = true;
  }
  cv_.notify_one();
}

void RouteReloadThread::run(std::stop_token stop) {
  for (;;) {
    {
      std::unique_lock lk(mu_);
      if (!cv_.wait(lk, stop, [this] { return requested_; })) return;
      requested_ = false;
    }
    if (around_) around_(true);
    reload_once();
    if (around_) around_(false);
  }
}

void RouteReloadThread::reload_once() {
  // Routes (and their codec configs) apply to new connections; the other sections need a restart.
  auto fresh = load_config(config_file_);
  if (!fresh) {
    spdlog::error("SIGHUP: {}; keeping the running configuration", fresh.error());
    return;
  }
  auto applied = app_.apply_routes(fresh->routes);
  if (applied) {
    spdlog::info("SIGHUP: {}", *applied);
  } else {
    spdlog::error("SIGHUP: {}; keeping the running routes", applied.error());
  }
}

}  // namespace exproto::host
