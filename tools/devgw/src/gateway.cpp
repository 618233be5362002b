#include "devgw/gateway.hpp"

#include "adapter_service.hpp"
#include "control_server.hpp"
#include "gateway_core.hpp"
#include "handler_client.hpp"
#include "journal.hpp"
#include "tcp_listener.hpp"
#include "tls_credentials.hpp"
#include "udp_listener.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace exproto::devgw {

namespace asio = boost::asio;

struct Gateway::Impl {
  explicit Impl(Options opts) : options(std::move(opts)), journal(options.keep_records) {
    log = std::make_shared<spdlog::logger>(options.log_name, std::make_shared<spdlog::sinks::stdout_color_sink_mt>());
    log->set_pattern("%H:%M:%S.%e [%n] %^%l%$ %v");
    log->set_level(options.log_level);
  }

  // Declaration order is teardown order in reverse: everything that owns sockets, timers or
  // gRPC objects goes before the io_context dies.
  Options options;
  Journal journal;
  std::shared_ptr<spdlog::logger> log;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<HandlerClient> handler;
  std::unique_ptr<GatewayCore> core;
  std::unique_ptr<AdapterServer> adapter;
  std::vector<std::shared_ptr<TcpListener>> tcp_listeners;
  std::vector<std::shared_ptr<UdpListener>> udp_listeners;
  std::vector<std::uint16_t> listener_ports;
  std::shared_ptr<ControlServer> control;
  std::thread thread;
  std::mutex stop_mutex;
  bool stopped = false;
};

std::expected<std::unique_ptr<Gateway>, std::string> Gateway::start(Options options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  auto* raw = impl.get();
  const auto& opts = impl->options;

  // Both files sets are read before anything runs, so a bad path fails start() cleanly.
  auto handler_credentials = handler_channel_credentials(opts);
  if (!handler_credentials) return std::unexpected(handler_credentials.error());
  auto adapter_credentials = adapter_server_credentials(opts);
  if (!adapter_credentials) return std::unexpected(adapter_credentials.error());
  impl->handler = std::make_unique<HandlerClient>(
      impl->io, opts, std::move(*handler_credentials), *impl->log,
      [raw](const std::string& conn, EventKind kind, const HandlerStatus& status) {
        raw->core->stream_failed(conn, kind, status);
      });
  std::random_device entropy;
  impl->core = std::make_unique<GatewayCore>(impl->io, opts, impl->journal, *impl->log, *impl->handler, entropy());

  auto open = [raw](std::shared_ptr<Transport> transport) { raw->core->open_connection(std::move(transport)); };
  for (const auto& spec : opts.listeners) {
    if (spec.kind == SocketKind::tcp) {
      auto listener = TcpListener::bind(impl->io, spec, open);
      if (!listener) return std::unexpected(listener.error());
      impl->listener_ports.push_back((*listener)->port());
      impl->tcp_listeners.push_back(std::move(*listener));
    } else {
      auto listener = UdpListener::bind(impl->io, spec, open);
      if (!listener) return std::unexpected(listener.error());
      impl->listener_ports.push_back((*listener)->port());
      impl->udp_listeners.push_back(std::move(*listener));
    }
  }
  if (opts.control_bind) {
    auto control = ControlServer::bind(impl->io, *opts.control_bind, [raw](PublishCommand command) {
      raw->core->console_publish(command.topic, std::move(command.payload), 0, "devgw");
    });
    if (!control) return std::unexpected(control.error());
    impl->control = std::move(*control);
  }
  auto adapter = AdapterServer::start(opts.adapter_bind, std::move(*adapter_credentials), impl->io, *impl->core);
  if (!adapter) return std::unexpected(adapter.error());
  impl->adapter = std::move(*adapter);

  for (auto& l : impl->tcp_listeners) l->start();
  for (auto& l : impl->udp_listeners) l->start();
  if (impl->control) impl->control->start();
  impl->thread = std::thread([raw] { raw->io.run(); });

  auto& log = *impl->log;
  log.info("devgw up: handler={} ({}) service={} adapter=127.0.0.1:{} ({}){}", opts.handler_address,
           opts.handler_tls ? "TLS" : "plaintext",
           opts.service == HandlerService::unary ? "ConnectionUnaryHandler" : "ConnectionHandler",
           impl->adapter->port(), opts.adapter_tls ? "TLS" : "plaintext",
           impl->control ? " control port " + std::to_string(impl->control->port()) : std::string());
  for (std::size_t i = 0; i < opts.listeners.size(); ++i)
    log.info("listening {}:{}:{}", opts.listeners[i].kind == SocketKind::tcp ? "tcp" : "udp", opts.listeners[i].host,
             impl->listener_ports[i]);
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { stop(); }

void Gateway::stop() {
  auto& impl = *impl_;
  std::lock_guard lock(impl.stop_mutex);
  if (impl.stopped) return;
  impl.stopped = true;
  // The I/O thread answers adapter calls, so it runs until the server has drained them.
  impl.adapter->shutdown(std::chrono::seconds(1));
  auto quiet = std::make_shared<std::promise<void>>();
  auto quiet_done = quiet->get_future();
  asio::post(impl.io, [raw = &impl, quiet] {
    for (auto& l : raw->tcp_listeners) l->stop();
    for (auto& l : raw->udp_listeners) l->stop();
    if (raw->control) raw->control->stop();
    raw->core->shutdown();
    quiet->set_value();
  });
  // Sockets must be closed by the I/O thread before it stops, or devices would see them open
  // until this object dies.
  if (quiet_done.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
    impl.log->error("I/O thread did not close the listeners in time; stopping anyway");
  if (!impl.handler->cancel_all_and_wait(std::chrono::seconds(5)))
    impl.log->error("handler RPCs still outstanding after cancel; stopping anyway");
  impl.work.reset();
  impl.io.stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.log->info("devgw stopped");
}

std::uint16_t Gateway::listener_port(std::size_t index) const { return impl_->listener_ports.at(index); }
std::uint16_t Gateway::adapter_port() const { return impl_->adapter->port(); }
std::string Gateway::adapter_address() const { return "127.0.0.1:" + std::to_string(adapter_port()); }
std::optional<std::uint16_t> Gateway::control_port() const {
  if (!impl_->control) return std::nullopt;
  return impl_->control->port();
}

void Gateway::publish(std::string topic, std::string payload, std::uint32_t qos, std::string from) {
  asio::post(impl_->io, [raw = impl_.get(), topic = std::move(topic), payload = std::move(payload), qos,
                         from = std::move(from)]() mutable {
    raw->core->console_publish(topic, std::move(payload), qos, from);
  });
}

Records Gateway::snapshot() const { return impl_->journal.snapshot(); }

bool Gateway::wait_for(const std::function<bool(const Records&)>& pred, std::chrono::milliseconds timeout) const {
  return impl_->journal.wait_for(pred, timeout);
}

std::optional<ConnRecord> Gateway::wait_for_conn(std::uint16_t peer_port, std::chrono::milliseconds timeout) const {
  std::optional<ConnRecord> found;
  impl_->journal.wait_for(
      [&](const Records& r) {
        for (const auto& c : r.opened)
          if (c.peer_port == peer_port) found = c;
        return found.has_value();
      },
      timeout);
  return found;
}

std::optional<std::string> Gateway::wait_for_close(const std::string& conn, std::chrono::milliseconds timeout) const {
  std::optional<std::string> reason;
  impl_->journal.wait_for(
      [&](const Records& r) {
        for (const auto& c : r.closed)
          if (c.conn == conn) reason = c.reason;
        return reason.has_value();
      },
      timeout);
  return reason;
}

std::size_t Gateway::live_connections() const { return impl_->core->live(); }

}  // namespace exproto::devgw
