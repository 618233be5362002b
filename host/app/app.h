// The host assembled from a Config: codecs loaded and routed, sessions, timers, the adapter
// client towards EMQX and the gRPC server EMQX calls. Tests build it in-process; main() runs it.
#pragma once

#include <chrono>
#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/config/config.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

class Dispatcher;
class Reloader;

class App {
 public:
  static std::expected<std::unique_ptr<App>, std::string> start(const Config& config);
  ~App();  // stop(), then sessions closed and codecs unloaded (not when stop() left a hung hook)

  // The orderly stop (also run by the destructor): no new conns, work in progress gets
  // shutdown.grace_ms, then what is left is failed. False when a codec hook was still running:
  // the process should then exit without unloading anything (main does).
  bool stop();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  int handler_port() const;  // the port actually bound (config may say 0); 0 in native mode
  // Native mode: the port routes[route] listens on for devices (its bind may say 0); 0 otherwise.
  int listener_port(std::size_t route) const;
  Metrics& metrics();
  const Dispatcher& dispatcher() const;
  Reloader& reloader();  // hot reload: reload, rollback, status
  int admin_port() const;  // 0 when admin.bind is not set
  int metrics_port() const;  // 0 when metrics.bind is not set
  // Each ConnectionAdapter address as the host sees it: "reachable" | "unreachable" | "unknown".
  std::vector<std::pair<std::string, std::string>> adapter_status() const;
  // For the systemd watchdog: whether a task posted to the worker pool ran within `within`.
  bool responsive(std::chrono::milliseconds within);
  // SIGHUP: the routes of a re-read config apply to new connections (see Reloader::apply_routes);
  // in native mode listeners are bound and closed to match (Listeners::apply). Routes of the
  // other mode are refused.
  std::expected<std::string, std::string> apply_routes(const std::vector<Route>& routes);

  struct Parts;
  explicit App(std::unique_ptr<Parts> parts);  // use start()

 private:
  std::unique_ptr<Parts> parts_;
};

}  // namespace exproto::host
