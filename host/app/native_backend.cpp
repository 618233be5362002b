#include "host/app/native_backend.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "host/listener/device_table.h"
#include "host/listener/device_upstream.h"
#include "host/listener/listeners.h"
#include "host/mqtt/mqtt_upstream.h"
#include "host/session/ack.h"
#include "host/session/dispatcher.h"

namespace exproto::host {
namespace {

std::size_t io_thread_count(const SessionsConfig& s) {
  return s.workers != 0 ? s.workers : std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

NativeBackend::NativeBackend(const Config& config, LogLimiter& log_limits)
    : config_(config), log_limits_(log_limits), io_(io_thread_count(config.sessions)) {
  table_ = std::make_unique<DeviceTable>(io_);
  mqtt::MqttUpstreamLimits limits;
  limits.max_queued_bytes = config.sessions.max_queued_bytes;
  mqtt_ = std::make_unique<mqtt::MqttUpstream>(
      config.mqtt, [this](const std::string& conn) { return boost::asio::any_io_executor(io_.executor_or_first(conn)); },
      static_cast<mqtt::MqttSessionSink&>(*this), limits);
  device_ = std::make_unique<DeviceUpstream>(*table_, *mqtt_);
}

std::expected<std::unique_ptr<NativeBackend>, std::string> NativeBackend::create(const Config& config,
                                                                                 LogLimiter& log_limits) {
  auto backend = std::make_unique<NativeBackend>(config, log_limits);
  if (const auto& why = backend->mqtt_->error()) return std::unexpected("mqtt: " + *why);
  return backend;
}

NativeBackend::~NativeBackend() { stop(); }

Upstream& NativeBackend::upstream() { return *device_; }

std::expected<void, std::string> NativeBackend::start(Dispatcher& dispatcher) {
  dispatcher_ = &dispatcher;
  env_ = std::make_unique<DeviceEnv>(DeviceEnv{io_, *table_, dispatcher, this, stats_, log_limits_});
  listeners_ = std::make_unique<Listeners>(*env_);
  io_.start();
  DeviceLimits limits;
  // A device that does not read what its codec sends is bounded like a session's queued bytes.
  limits.max_write_queue_bytes = config_.sessions.max_queued_bytes;
  return listeners_->start(config_.routes, limits);
}

void NativeBackend::stop_devices(std::chrono::milliseconds wait) {
  if (listeners_) listeners_->stop(wait);
}

void NativeBackend::stop() {
  if (stopped_) return;
  stopped_ = true;
  stop_devices(std::chrono::seconds(5));
  io_.stop();
}

std::expected<std::string, std::string> NativeBackend::apply_routes(
    const std::vector<Route>& routes, const std::function<std::expected<std::string, std::string>()>& swap_routes) {
  if (!listeners_) return std::unexpected("the device listeners are not running");
  return listeners_->apply(routes, swap_routes);
}

uint16_t NativeBackend::port(std::size_t route) const { return listeners_ ? listeners_->port(route) : 0; }

std::size_t NativeBackend::mqtt_connections() const { return mqtt_->connections(); }

std::string NativeBackend::render_prometheus() const {
  std::string out;
  const auto series = [&out](const char* name, const char* type, const char* help, uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  series("exproto_native_connections_accepted_total", "counter", "Device connections accepted (TCP/TLS) or UDP peers seen",
         stats_.accepted.get());
  series("exproto_native_accept_errors_total", "counter", "accept() failures (e.g. out of file descriptors)",
         stats_.accept_errors.get());
  series("exproto_native_tls_handshake_failures_total", "counter", "Device TLS handshakes that failed",
         stats_.tls_handshake_failures.get());
  series("exproto_native_connections_closed_total", "counter", "Device connections ended", stats_.conns_closed.get());
  series("exproto_native_write_queue_overflows_total", "counter",
         "Devices closed because they did not read what their codec sent (sessions.max_queued_bytes)",
         stats_.write_queue_overflows.get());
  series("exproto_native_udp_datagrams_dropped_total", "counter", "UDP datagrams dropped (a peer's backlog was full)",
         stats_.udp_datagrams_dropped.get());
  series("exproto_native_connections_over_cap_total", "counter",
         "Device TCP/TLS connections reset at accept: the listener had routes[].listener.max_connections open",
         stats_.connections_over_cap.get());
  series("exproto_native_udp_peers_over_cap_total", "counter",
         "UDP datagrams from new peers dropped: the listener served routes[].listener.max_peers peers",
         stats_.udp_peers_over_cap.get());
  series("exproto_native_connections_open", "gauge", "Device connections open now",
         static_cast<uint64_t>(std::max<int64_t>(0, stats_.conns_open.get())));
  series("exproto_native_mqtt_connections", "gauge", "MQTT connections to the broker, open or opening",
         mqtt_->connections());
  return out;
}

void NativeBackend::messages(const std::string& conn, std::vector<DeliveredMessage> msgs, std::function<void()> handled) {
  // The Ack fires when the session has taken the messages (at once, or once it is under its
  // limits again): the same moment EMQX got its OnReceivedMessages answer. Only then does the
  // broker get its PUBACK, so a slow codec holds the broker back through the receive maximum.
  dispatcher_->event(Origin::unary, conn, event::Messages{std::move(msgs)},
                     Ack([handled = std::move(handled)](bool, const std::string&) { handled(); }));
}

void NativeBackend::ended(const std::string& conn, std::string reason) { device_->end_device(conn, std::move(reason)); }

void NativeBackend::device_closed(const std::string& conn, bool vanished) { mqtt_->end(conn, vanished); }

}  // namespace exproto::host
