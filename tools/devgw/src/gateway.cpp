#include "devgw/gateway.hpp"

#include "adapter_pacer.hpp"
#include "adapter_service.hpp"
#include "adapter_tally.hpp"
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

  /// Runs `fn` on the I/O thread and waits for it; false (fn not run) once stopped or if the
  /// I/O thread does not get to it within a few seconds. Never call it from the I/O thread.
  bool run_on_io(std::function<void()> fn);
  /// Carries out a control command; I/O thread.
  std::string execute(ControlCommand command);
  /// stop() and crash(): `grace` is how long adapter calls in flight may still finish.
  void shut_down(std::chrono::milliseconds grace, bool drop_handler_connection);

  // Declaration order is teardown order in reverse: everything that owns sockets, timers or
  // gRPC objects goes before the io_context dies.
  Options options;
  Journal journal;
  AdapterTally tally;
  std::shared_ptr<spdlog::logger> log;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<HandlerClient> handler;
  std::unique_ptr<GatewayCore> core;
  std::unique_ptr<AdapterPacer> pacer;
  std::unique_ptr<AdapterServer> adapter;
  std::uint16_t adapter_port = 0;  // kept: the server object is gone after crash()
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
  // EMQX's node gets a new Erlang `creation` each time it starts, so a restarted gateway never
  // hands out a conn id of its predecessor.
  impl->core = std::make_unique<GatewayCore>(impl->io, opts, impl->journal, *impl->log, *impl->handler, entropy());
  impl->pacer = std::make_unique<AdapterPacer>(impl->io, opts.adapter_delay);

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
    auto control = ControlServer::bind(impl->io, *opts.control_bind,
                                       [raw](ControlCommand command) { return raw->execute(std::move(command)); });
    if (!control) return std::unexpected(control.error());
    impl->control = std::move(*control);
  }
  auto adapter = AdapterServer::start(opts.adapter_bind, std::move(*adapter_credentials), impl->io, *impl->core,
                                      *impl->pacer, impl->tally);
  if (!adapter) return std::unexpected(adapter.error());
  impl->adapter = std::move(*adapter);
  impl->adapter_port = impl->adapter->port();

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
  if (opts.adapter_delay.count() > 0 || opts.lose_socket_closed)
    log.warn("fault injection on: adapter answers delayed {} ms, OnSocketClosed {}", opts.adapter_delay.count(),
             opts.lose_socket_closed ? "never sent" : "sent");
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() { stop(); }

void Gateway::stop() { impl_->shut_down(std::chrono::seconds(1), false); }

void Gateway::crash() {
  impl_->log->warn("devgw crashing: no OnSocketClosed for any conn, adapter and handler connections dropped");
  impl_->shut_down(std::chrono::milliseconds(0), true);
}

void Gateway::Impl::shut_down(std::chrono::milliseconds grace, bool drop_handler_connection) {
  std::lock_guard lock(stop_mutex);
  if (stopped) return;
  stopped = true;
  // Held adapter calls are finished first (UNAVAILABLE, no effect), and so is every call that
  // arrives from now on, before the conns they might act on are gone. gRPC's shutdown below
  // waits for every call to be finished, so nothing may stay held.
  asio::post(io, [this] { pacer->close(); });
  // Stops listening at once; calls already running on the I/O thread finish within `grace`
  // (a crash gives none: their clients see the connection go).
  adapter->shutdown(grace);
  auto quiet = std::make_shared<std::promise<void>>();
  auto quiet_done = quiet->get_future();
  asio::post(io, [this, quiet] {
    for (auto& l : tcp_listeners) l->stop();
    for (auto& l : udp_listeners) l->stop();
    if (control) control->stop();
    core->shutdown();  // every conn ends without a handler event
    quiet->set_value();
  });
  // Sockets must be closed by the I/O thread before it stops, or devices would see them open
  // until this object dies.
  if (quiet_done.wait_for(std::chrono::seconds(2)) != std::future_status::ready)
    log->error("I/O thread did not close the listeners in time; stopping anyway");
  const bool handler_idle = handler->cancel_all_and_wait(std::chrono::seconds(5));
  if (!handler_idle) log->error("handler RPCs still outstanding after cancel; stopping anyway");
  work.reset();
  io.stop();
  if (thread.joinable()) thread.join();
  // The adapter server's own connections close with it; the handler channel would otherwise
  // stay connected until this object dies. gRPC objects still in use must not be dropped.
  adapter.reset();
  if (drop_handler_connection && handler_idle) handler->disconnect();
  log->info("devgw {}", drop_handler_connection ? "crashed" : "stopped");
}

bool Gateway::Impl::run_on_io(std::function<void()> fn) {
  std::lock_guard lock(stop_mutex);  // stop cannot begin meanwhile, so the I/O thread runs
  if (stopped) return false;
  auto done = std::make_shared<std::promise<void>>();
  auto ran = done->get_future();
  asio::post(io, [fn = std::move(fn), done] {
    fn();
    done->set_value();
  });
  return ran.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
}

std::string Gateway::Impl::execute(ControlCommand command) {
  struct Visitor {
    Impl& impl;
    std::string operator()(PublishCommand& c) {
      impl.core->console_publish(c.topic, std::move(c.payload), 0, "devgw");
      return "OK";
    }
    std::string operator()(const DelayCommand& c) {
      impl.pacer->set_delay(c.delay);
      impl.log->warn("fault injection: adapter answers delayed {} ms from now on", c.delay.count());
      return "OK";
    }
    std::string operator()(const StallCommand& c) {
      impl.pacer->set_stalled(c.stalled);
      impl.log->warn("fault injection: adapter {}", c.stalled ? "stalled (answers held)" : "resumed");
      return "OK";
    }
    std::string operator()(const LoseClosedCommand& c) {
      impl.core->set_lose_socket_closed(c.lose);
      impl.log->warn("fault injection: OnSocketClosed {} from now on", c.lose ? "never sent" : "sent");
      return "OK";
    }
    std::string operator()(const StatsCommand&) {
      return format_stats({impl.core->live(), impl.pacer->delay(), impl.pacer->stalled(),
                           impl.core->lose_socket_closed(), impl.tally.snapshot()});
    }
  };
  return std::visit(Visitor{*this}, command);
}

void Gateway::set_adapter_delay(std::chrono::milliseconds delay) { impl_->run_on_io([&] { impl_->execute(DelayCommand{delay}); }); }

void Gateway::stall_adapter(bool stalled) { impl_->run_on_io([&] { impl_->execute(StallCommand{stalled}); }); }

void Gateway::set_lose_socket_closed(bool lose) {
  impl_->run_on_io([&] { impl_->execute(LoseClosedCommand{lose}); });
}

AdapterCounters Gateway::adapter_counters() const { return impl_->tally.snapshot(); }

std::string Gateway::control(std::string_view line) {
  auto command = parse_control_command(line);
  if (!command) return "ERR " + command.error();
  std::string answer = "ERR devgw is stopped";
  impl_->run_on_io([&] { answer = impl_->execute(std::move(*command)); });
  return answer;
}

std::uint16_t Gateway::listener_port(std::size_t index) const { return impl_->listener_ports.at(index); }
std::uint16_t Gateway::adapter_port() const { return impl_->adapter_port; }
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
