// Native mode's transport, assembled: the host's own device listeners (host/listener) and one MQTT
// connection per device (host/mqtt), both on the same io threads (host/net). It stands where the
// exproto backend has the handler server (events in) and the AdapterClient (calls out): sessions
// call upstream(), device events reach the Dispatcher given to start().
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>

#include "host/config/config.h"
#include "host/listener/device_env.h"
#include "host/log/log_limiter.h"
#include "host/mqtt/session_sink.h"
#include "host/net/io_threads.h"
#include "host/upstream/upstream.h"

namespace exproto::host {

class DeviceTable;
class DeviceUpstream;
class Dispatcher;
class Listeners;
namespace mqtt {
class MqttUpstream;
}

class NativeBackend final : private mqtt::MqttSessionSink, private DeviceLifecycle {
 public:
  // Builds the io threads (not started), the broker side and the device upstream. Fails with the
  // broker side's configuration error (mqtt.server, mqtt.tls files).
  static std::expected<std::unique_ptr<NativeBackend>, std::string> create(const Config& config, LogLimiter& log_limits);
  ~NativeBackend() override;  // stop()
  NativeBackend(const NativeBackend&) = delete;
  NativeBackend& operator=(const NativeBackend&) = delete;

  // What sessions call: Send/Close/StartTimer on the device socket, the MQTT kinds to the broker.
  Upstream& upstream();
  // Starts the io threads and binds every route's listener; devices' events go to `dispatcher`,
  // which must outlive stop(). The error names the route.
  std::expected<void, std::string> start(Dispatcher& dispatcher);
  // Stops accepting and ends every device (their sessions get Closed "host:shutdown", their MQTT
  // sessions a normal DISCONNECT); waits up to `wait` for the io threads to have done it.
  void stop_devices(std::chrono::milliseconds wait);
  // Then the io threads. Idempotent; stop_devices first.
  void stop();

  // SIGHUP: binds the listeners `routes` add, runs `swap_routes` (the Reloader's route change),
  // then starts them and closes the ones no longer wanted (Listeners::apply).
  std::expected<std::string, std::string> apply_routes(
      const std::vector<Route>& routes, const std::function<std::expected<std::string, std::string>()>& swap_routes);

  uint16_t port(std::size_t route) const;  // the port route `route` listens on; 0 if none
  const ListenerStats& stats() const { return stats_; }
  // The device side's counters and the MQTT connections, in the Prometheus text format.
  std::string render_prometheus() const;
  std::size_t mqtt_connections() const;

  NativeBackend(const Config& config, LogLimiter& log_limits);  // use create()

 private:
  // MqttSessionSink, on the conn's io thread.
  void messages(const std::string& conn, std::vector<DeliveredMessage> msgs, std::function<void()> handled) override;
  void ended(const std::string& conn, std::string reason) override;
  // DeviceLifecycle, on the conn's io thread.
  void device_closed(const std::string& conn, bool vanished) override;

  Config config_;
  LogLimiter& log_limits_;
  IoThreads io_;
  std::unique_ptr<DeviceTable> table_;
  std::unique_ptr<mqtt::MqttUpstream> mqtt_;
  std::unique_ptr<DeviceUpstream> device_;
  ListenerStats stats_;
  std::unique_ptr<DeviceEnv> env_;
  std::unique_ptr<Listeners> listeners_;
  Dispatcher* dispatcher_ = nullptr;  // set by start(), before any device connects
  bool stopped_ = false;
};

}  // namespace exproto::host
