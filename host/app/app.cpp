#include "host/app/app.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <future>
#include <optional>
#include <thread>

#include "host/adapter/adapter_client.h"
#include "host/adapter/channel_credentials.h"
#include "host/admin/admin_service.h"
#include "host/admin/admin_socket.h"
#include "host/app/native_backend.h"
#include "host/app/private_dir.h"
#include "host/config/ip_address.h"
#include "host/handler/handler_guard.h"
#include "host/handler/server_credentials.h"
#include "host/handler/stream_service.h"
#include "host/handler/tls_file_monitor.h"
#include "host/handler/unary_service.h"
#include "host/isolation/isolation_hub.h"
#include "host/metrics/counter_family.h"
#include "host/metrics/metrics_endpoint.h"
#include "host/isolation/route_instance.h"
#include "host/registry/codec_instance.h"
#include "host/registry/codec_registry.h"
#include "host/reload/plugin_watcher.h"
#include "host/reload/reloader.h"
#include "host/session/dispatcher.h"
#include "host/session/host_api.h"
#include "host/session/reconciler.h"
#include "host/session/session.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"

namespace exproto::host {
namespace {

// For the start-up line, so an operator sees at once which files a TLS port serves.
std::string handler_transport(const HandlerConfig& c) {
  if (!c.tls) return "plaintext";
  return fmt::format("TLS {}{}, re-read every {} s", c.tls->cert_file.string(),
                     c.tls->client_ca_file.empty() ? "" : ", client certificates from " + c.tls->client_ca_file.string(),
                     c.tls->refresh_s);
}

// Live sessions by codec, route and generation, for /metrics (counted at scrape time: one pass
// over the table). Bounded: routes come from the config, generations alive per codec from
// plugins.max_generations; `version` is the generation's own string, for people reading it.
std::string sessions_by_codec(const Dispatcher& dispatcher) {
  struct Series {
    std::string codec, route;
    uint64_t generation;
    std::string version;
    auto operator<=>(const Series&) const = default;
  };
  std::map<Series, uint64_t> counts;
  dispatcher.for_each_session([&](Session& s) {
    if (auto c = s.codec_snapshot()) {
      ++counts[Series{c->library().name(), c->route_label(), c->generation(), c->library().version()}];
    }
  });
  std::string out =
      "# HELP exproto_codec_sessions Live sessions by codec, route and codec generation\n"
      "# TYPE exproto_codec_sessions gauge\n";
  for (const auto& [k, n] : counts) {
    out += fmt::format("exproto_codec_sessions{{codec=\"{}\",route=\"{}\",generation=\"{}\",version=\"{}\"}} {}\n",
                       prometheus_label_value(k.codec), prometheus_label_value(k.route), k.generation,
                       prometheus_label_value(k.version), n);
  }
  return out;
}

// Keys were validated with the config; a key that does not parse here cannot happen.
LoadPolicy load_policy(const PluginsConfig& plugins) {
  LoadPolicy policy;
  policy.max_file_bytes = plugins.max_file_bytes;
  policy.owner_and_mode = plugins.trust_strict;
  policy.require_signature = plugins.require_signature;
  for (const auto& k : plugins.trusted_keys) {
    if (auto key = parse_public_key(k.public_key)) policy.trusted_keys.push_back(TrustedKey{k.name, *key});
  }
  return policy;
}

// The handler port's exposure, said once at start: the config accepted it, but an operator reading
// the log should see what it costs.
void warn_about_exposure(const HandlerConfig& c) {
  if (is_numeric_loopback(c.bind)) return;
  if (!c.tls) {
    spdlog::warn("handler.bind {} is plaintext on a non-loopback address (handler.allow_plaintext_non_loopback): "
                 "anyone who reaches it can inject events for any device; use handler.tls with client_ca_file{}",
                 c.bind, c.allow_peers.empty() ? " or at least handler.allow_peers" : "");
  } else if (c.tls->client_ca_file.empty()) {
    spdlog::warn("handler.bind {} uses TLS without handler.tls.client_ca_file: any client that reaches it can "
                 "inject events; configure client_ca_file so only EMQX's certificate is accepted (mutual TLS)",
                 c.bind);
  }
}

IsolationSettings isolation_settings(const Config& config, const std::filesystem::path& work_dir) {
  IsolationSettings s;
  s.config = config.isolation;
  // /proc/self/exe, not its resolved path: an upgrade that renames a new binary into place must
  // not give a running host children that speak another version of the IPC.
  s.runner = config.isolation.runner.empty() ? std::filesystem::path("/proc/self/exe") : config.isolation.runner;
  s.work_dir = work_dir;
  s.log_level = config.log.level;
  s.log_format = config.log.format;
  s.hook_timeout = std::chrono::milliseconds(config.sessions.hook_timeout_ms);
  // One channel per hook that can run at once: every worker, the watchdog's replacements, and one
  // for the control thread.
  const std::size_t workers = config.sessions.workers != 0 ? config.sessions.workers
                                                           : std::max(1u, std::thread::hardware_concurrency());
  s.channels = workers + config.sessions.max_extra_workers + 1;
  // Hooks that do not hold a host thread (bytes, messages, results) go on lanes, one per worker
  // and at least two: a slow hook holds its lane, and new hooks pick the least busy one.
  s.lanes = std::max<std::size_t>(2, workers);
  return s;
}

}  // namespace

// Declared in the order they are built; ~Parts tears them down in the order that keeps every
// callback's target alive (see the destructor).
struct App::Parts {
  Config config;
  Metrics metrics;
  std::shared_ptr<LogLimiter> log_limits = std::make_shared<LogLimiter>(&metrics.log_lines_suppressed);
  std::unique_ptr<IsolationHub> isolation;  // before everything holding codec instances: outlives them
  std::optional<PrivateDir> work_dir;
  std::unique_ptr<CodecRegistry> registry;
  std::unique_ptr<AdapterClient> adapter;  // exproto mode
  std::unique_ptr<NativeBackend> native;   // native mode: device listeners + MQTT, instead of adapter and server
  std::unique_ptr<TimerService> timers;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<Dispatcher> dispatcher;
  std::shared_ptr<Reconciler> reconciler;  // shared: sessions hold it weakly to ask for re-probes
  std::unique_ptr<HandlerGuard> guard;     // before the services that ask it
  std::unique_ptr<UnaryService> unary;
  std::unique_ptr<StreamService> streaming;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::unique_ptr<TlsFileMonitor> tls_monitor;  // only with handler.tls
  std::unique_ptr<MetricsEndpoint> metrics_endpoint;  // only with metrics.bind
  std::atomic<bool> stopping{false};
  std::unique_ptr<Reloader> reloader;
  std::unique_ptr<PluginWatcher> watcher;
  std::unique_ptr<AdminService> admin;
  std::unique_ptr<AdminSocket> admin_socket;  // admin.socket: outlives the server listening on it
  std::unique_ptr<grpc::Server> admin_server;
  int admin_port = 0;
  bool stopped = false;
  bool stopped_cleanly = true;

  // The orderly stop (SIGTERM): no new conns; work in progress gets shutdown.grace_ms to finish;
  // then what is left is failed. Never waits on a codec past the grace: a hook that does not return
  // leaves its thread behind (false), and the parts it may touch are then never destroyed.
  bool stop() {
    if (stopped) return stopped_cleanly;
    stopped = true;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config.shutdown.grace_ms);
    stopping = true;      // /readyz says so from here on
    tls_monitor.reset();  // first: its thread writes into metrics
    if (admin_server) admin_server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
    admin_server.reset();
    admin_socket.reset();  // the path goes when nothing answers on it any more
    admin.reset();
    watcher.reset();  // no more reloads queued
    if (adapter) adapter->on_readiness(nullptr);
    reconciler.reset();  // no more probes
    if (dispatcher) {
      dispatcher->set_draining();
      // Native mode: the host owns the sockets, so it ends the devices (sessions get Closed
      // "host:shutdown", MQTT sessions a normal DISCONNECT) and then waits for that work.
      if (native) native->stop_devices(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0))));
      if (!dispatcher->wait_idle(deadline)) {
        spdlog::warn("shutdown: sessions still busy after shutdown.grace_ms ({} ms); failing what is left",
                     config.shutdown.grace_ms);
        // A hook still running may be on one of gRPC's own threads (inline), where the server's
        // Shutdown would wait for it forever: leave everything as it is, the process exits.
        const std::size_t in_children = isolation ? isolation->lane_hooks().load() : 0;
        if ((pool && pool->hooks_running() != 0) || in_children != 0) {
          spdlog::error("shutdown: {} codec hook(s) still running after shutdown.grace_ms; not waiting for them",
                        (pool ? pool->hooks_running() : 0) + in_children);
          stopped_cleanly = false;
          if (adapter) adapter->stop_monitor();
          if (timers) timers->stop();
          // Native mode: the io threads are not joined (a hung hook may be running inline on one);
          // ~Parts leaves them to the process's exit.
          return false;
        }
      }
      dispatcher->release_acks();  // nothing EMQX waits on may keep the server up
    }
    if (streaming) streaming->finish_all();
    if (server) server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));  // no new events
    if (adapter) {
      adapter->drain(std::max(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(200)));
      adapter->shutdown();  // in-flight calls answered (cancelled); new ones fail at once
    }
    if (timers) timers->stop();  // nothing fires into sessions any more
    if (pool && !pool->stop(std::max(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500)))) {
      spdlog::error("shutdown: {} worker(s) still inside a codec hook after shutdown.grace_ms; leaving them",
                    pool->threads());
      stopped_cleanly = false;
    }
    // Hooks that adapter results sent to isolated codecs' children on the way out: their lanes'
    // readers still call into the sessions, so nothing they use may go before they are done.
    if (isolation && stopped_cleanly &&
        !isolation->wait_lane_hooks(std::max(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(500)))) {
      spdlog::error("shutdown: {} isolated codec hook(s) still waiting for their child after shutdown.grace_ms; "
                    "leaving them",
                    isolation->lane_hooks().load());
      stopped_cleanly = false;
    }
    // After the pool: no session calls into the io threads any more. Not when a hook is stuck: it
    // may be inline on an io thread, which would never join.
    if (native && stopped_cleanly) native->stop();
    return stopped_cleanly;
  }

  ~Parts() {
    stop();
    metrics_endpoint.reset();  // first: a scrape reads the sessions and codecs released below
    if (!stopped_cleanly) {
      // A thread is still inside a codec: the codec, its sessions and what they call must stay
      // mapped and alive until the process exits.
      (void)pool.release();
      (void)dispatcher.release();
      (void)reloader.release();
      (void)registry.release();
      (void)timers.release();
      (void)adapter.release();
      (void)native.release();
      (void)streaming.release();
      (void)unary.release();
      (void)guard.release();  // the services above use it
      (void)server.release();
      (void)isolation.release();  // isolated instances live in the parts above and call into it
      return;
    }
    // From here a child dying must not push into sessions: the pool they post to is going.
    if (isolation) isolation->attach(nullptr);
    reloader.reset();  // control thread done; generations in use go with their sessions
    pool.reset();
    server.reset();
    streaming.reset();
    unary.reset();
    guard.reset();
    dispatcher.reset();  // sessions free their codec state
    native.reset();      // after the sessions that call it
    timers.reset();
    adapter.reset();
    registry.reset();  // last: libraries unload once no instance refers to them
  }
};

// Exproto mode's event source: the gRPC server EMQX calls (both handler services, health).
std::expected<void, std::string> serve_handler(App::Parts& p) {
  const Config& config = p.config;
  // grpc.health.v1 on the handler port (and the admin port): EMQX-side probes and orchestrators
  // can see the host is up without speaking ExProto.
  auto handler_credentials = handler_server_credentials(config.handler);
  if (!handler_credentials) return std::unexpected(handler_credentials.error());
  // gRPC only logs a bad rotated-in file and keeps the old pair; this says so in our log and metrics.
  if (config.handler.tls) p.tls_monitor = std::make_unique<TlsFileMonitor>(*config.handler.tls, p.metrics);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.handler.bind, std::move(*handler_credentials), &p.port);
  builder.RegisterService(p.unary.get());
  builder.RegisterService(p.streaming.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.handler.max_receive_bytes));
  // EMQX (gun) pings every 60 s even when idle; gRPC's defaults would count those as strikes
  // and drop the connection with GOAWAY.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, static_cast<int>(config.handler.max_concurrent_streams));
  warn_about_exposure(config.handler);
  p.server = builder.BuildAndStart();
  if (!p.server || p.port == 0) {
    return std::unexpected("handler.bind: cannot listen on " + config.handler.bind);
  }
  return {};
}

// Health follows EMQX's reachability (exproto mode), and the start-up line says what serves where.
void announce_handler(App::Parts& p) {
  const Config& config = p.config;
  // Health follows EMQX's reachability: NOT_SERVING while no ConnectionAdapter address answers, so
  // an orchestrator sees a host that cannot serve devices. A recovery sweeps the sessions EMQX may
  // have forgotten meanwhile.
  auto* health = p.server->GetHealthCheckService();
  p.adapter->on_readiness([health, reconciler = p.reconciler.get()](bool ready, bool recovered) {
    if (health != nullptr) health->SetServingStatus(ready);
    if (recovered) reconciler->sweep_all();
  });
  if (health != nullptr) health->SetServingStatus(p.adapter->ready());
  spdlog::info("exproto-host {} serving ConnectionUnaryHandler and ConnectionHandler on {} (port {}, {}); "
               "ConnectionAdapter at {} ({})",
               EXPROTO_HOST_VERSION, config.handler.bind, p.port, handler_transport(config.handler),
               fmt::join(config.adapter.addresses, ", "), config.adapter.tls ? "TLS" : "plaintext");
}

std::expected<std::unique_ptr<App>, std::string> App::start(const Config& config) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  const exproto_host_api* api = host_api_table();

  auto dir = PrivateDir::make(config.plugins.work_dir);
  if (!dir) return std::unexpected(dir.error());
  p->work_dir.emplace(std::move(*dir));

  p->isolation = std::make_unique<IsolationHub>(isolation_settings(config, p->work_dir->path()), p->metrics, api);
  p->registry = std::make_unique<CodecRegistry>(p->work_dir->path(), api, p->work_dir->path() / "archive",
                                                load_policy(config.plugins));
  const auto failures = p->registry->scan(config.plugins.dir);
  for (const auto& f : failures) p->metrics.count_refused(f.refusal);
  spdlog::info("plugins: {} codec(s) loaded from {}, {} file(s) skipped", p->registry->all().size(),
               config.plugins.dir.string(), failures.size());

  RouteTable routes;
  for (std::size_t i = 0; i < config.routes.size(); ++i) {
    const auto& r = config.routes[i];
    auto lib = p->registry->find(r.codec);
    if (!lib) {
      return std::unexpected(fmt::format("routes[{}]: codec '{}' for listener {}:{} is not loaded from {}", i,
                                         r.codec, to_string(r.listener.socktype), r.listener.port,
                                         config.plugins.dir.string()));
    }
    auto instance = create_route_instance(lib, r, *p->isolation);
    if (!instance) return std::unexpected(fmt::format("routes[{}]: {}", i, instance.error()));
    (*instance)->set_route_label(route_label(r.listener));  // its generation: Reloader::adopt()
    spdlog::info("route {}:{} -> codec '{}' {} ({}){}", to_string(r.listener.socktype), r.listener.port, lib->name(),
                 lib->version(), lib->vendor(), r.isolation == Isolation::process ? ", isolated in a child process" : "");
    routes.add(r.listener, std::move(*instance), r);
  }

  const bool native = config.mode == Mode::native;
  Upstream* upstream = nullptr;
  if (native) {
    auto backend = NativeBackend::create(config, *p->log_limits);
    if (!backend) return std::unexpected(backend.error());
    p->native = std::move(*backend);
    upstream = &p->native->upstream();
  } else {
    auto adapter_credentials = adapter_channel_credentials(config.adapter);
    if (!adapter_credentials) return std::unexpected(adapter_credentials.error());
    p->adapter = std::make_unique<AdapterClient>(config.adapter, std::move(*adapter_credentials), p->metrics);
    upstream = p->adapter.get();
  }
  p->timers = std::make_unique<TimerService>();
  // A hook that overran is seen by the watchdog long before it returns (if ever): its codec stops
  // running inline at once, so no more transport threads are lost to it.
  auto inline_policy = std::make_shared<InlinePolicy>(config.sessions.inline_hooks);
  p->pool = std::make_unique<WorkerPool>(
      config.sessions.workers,
      WorkerPool::Watchdog{std::chrono::milliseconds(config.sessions.hook_timeout_ms), config.sessions.max_extra_workers,
                           &p->metrics, [inline_policy](const std::string& codec) { inline_policy->demote(codec); }});
  SessionEnv env{*p->pool, *p->timers, *upstream, p->metrics, config.sessions, api, {}};
  env.budget = std::make_shared<MemoryBudget>(config.sessions.max_total_queued_bytes, &p->metrics.queued_bytes);
  env.log_limits = p->log_limits;
  env.inline_policy = inline_policy;
  if (native) env.upstream_name = "the MQTT broker";
  // Bound before any session exists (the server is not started yet), read-only after.
  auto reconciler_ref = std::make_shared<std::weak_ptr<Reconciler>>();
  env.reprobe = [reconciler_ref](std::weak_ptr<Session> s) {
    if (auto r = reconciler_ref->lock()) r->retry_later(std::move(s));
  };
  p->dispatcher = std::make_unique<Dispatcher>(std::move(env), std::move(routes));
  p->reconciler = std::make_shared<Reconciler>(*p->dispatcher, config.sessions);
  *reconciler_ref = p->reconciler;
  if (!native) {
    p->guard = std::make_unique<HandlerGuard>(config.handler, p->metrics, *p->log_limits);
    p->unary = std::make_unique<UnaryService>(*p->dispatcher, *p->guard);
    p->streaming = std::make_unique<StreamService>(*p->dispatcher, *p->guard);
  }
  p->isolation->attach(p->dispatcher.get());
  InstancePolicy instances{
      [hub = p->isolation.get()](const std::shared_ptr<const CodecLibrary>& lib, const Route& route) {
        return create_route_instance(lib, route, *hub);
      },
      config.isolation.rollback_crashes, std::chrono::milliseconds(config.isolation.rollback_window_ms)};
  p->reloader = std::make_unique<Reloader>(*p->registry, *p->dispatcher, p->metrics, config.plugins,
                                           std::move(instances));
  p->reloader->adopt();
  if (config.plugins.watch) {
    auto watcher = PluginWatcher::start(config.plugins.dir, std::chrono::milliseconds(config.plugins.debounce_ms),
                                        [r = p->reloader.get()](const std::filesystem::path& f, auto landed) {
                                          r->file_changed(f, landed);
                                        },
                                        p->metrics);
    if (!watcher) return std::unexpected("plugins.watch: " + watcher.error());
    p->watcher = std::move(*watcher);
  }

  grpc::EnableDefaultHealthCheckService(true);  // on the handler port and the admin endpoint
  if (native) {
    if (auto started = p->native->start(*p->dispatcher); !started) return std::unexpected(started.error());
  } else if (auto served = serve_handler(*p); !served) {
    return std::unexpected(served.error());
  }
  if (!config.admin.socket.empty() || !config.admin.bind.empty()) {
    // A config built in code skipped parse_config: the one rule that keeps admin off the network
    // is checked again here.
    if (config.admin.socket.empty() && !is_numeric_loopback(config.admin.bind)) {
      return std::unexpected("admin.bind: expected a numeric loopback address, got \"" + config.admin.bind + "\"");
    }
    std::string address = config.admin.bind;
    if (!config.admin.socket.empty()) {
      auto socket = AdminSocket::prepare(config.admin.socket, config.admin.socket_group);
      if (!socket) return std::unexpected("admin.socket: " + socket.error());
      p->admin_socket = std::move(*socket);
      address = p->admin_socket->grpc_address();
    }
    p->admin = std::make_unique<AdminService>(*p->reloader, p->metrics, p->adapter.get(), *p->dispatcher);
    grpc::ServerBuilder admin;
    int* selected_port = p->admin_socket ? nullptr : &p->admin_port;
    admin.AddListeningPort(address, grpc::InsecureServerCredentials(), selected_port);
    admin.RegisterService(p->admin.get());
    p->admin_server = admin.BuildAndStart();
    if (p->admin_socket) {
      if (!p->admin_server) return std::unexpected("admin.socket: cannot listen on " + config.admin.socket.string());
      if (auto published = p->admin_socket->publish(); !published) {
        return std::unexpected("admin.socket: " + published.error());
      }
      spdlog::info("admin endpoint on unix socket {} (mode {:o}{})", config.admin.socket.string(),
                   p->admin_socket->mode(),
                   config.admin.socket_group.empty() ? "" : ", group " + config.admin.socket_group);
    } else {
      if (!p->admin_server || p->admin_port == 0) {
        return std::unexpected("admin.bind: cannot listen on " + config.admin.bind);
      }
      spdlog::info("admin endpoint on {} (port {})", config.admin.bind, p->admin_port);
    }
  }
  if (!config.metrics.bind.empty()) {
    MetricsEndpoint::Handlers handlers;
    Parts* parts = p.get();
    handlers.metrics = [parts] {
      return parts->metrics.render_prometheus() + sessions_by_codec(*parts->dispatcher) +
             (parts->native ? parts->native->render_prometheus() : std::string());
    };
    handlers.not_ready = [parts]() -> std::string {
      if (parts->stopping) return "shutting down";
      if (parts->metrics.adapter_ready.get() == 0) return "EMQX unreachable: no ConnectionAdapter address answers";
      return "";
    };
    auto endpoint = MetricsEndpoint::start(config.metrics.bind, std::move(handlers));
    if (!endpoint) return std::unexpected(endpoint.error());
    p->metrics_endpoint = std::move(*endpoint);
    spdlog::info("metrics endpoint on http://{} (port {}): /metrics /healthz /readyz", config.metrics.bind,
                 p->metrics_endpoint->port());
  }
  if (native) {
    p->metrics.adapter_ready.set(1);  // no EMQX to wait for: each device's MQTT connection says its own
    for (std::size_t i = 0; i < config.routes.size(); ++i) {
      const auto& r = config.routes[i];
      spdlog::info("exproto-host {} native mode: routes[{}] listening on {} ({}, port {}); MQTT broker {} ({}, MQTT {})",
                   EXPROTO_HOST_VERSION, i, r.listener_bind, to_string(r.listener.socktype), p->native->port(i),
                   config.mqtt.server, config.mqtt.tls ? "TLS" : "plaintext",
                   config.mqtt.protocol_version == MqttVersion::v5 ? "5" : "3.1.1");
    }
  } else {
    announce_handler(*p);
  }
  return std::make_unique<App>(std::move(p));
}

App::App(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
App::~App() = default;

bool App::stop() { return parts_->stop(); }

int App::handler_port() const { return parts_->port; }
int App::listener_port(std::size_t route) const { return parts_->native ? parts_->native->port(route) : 0; }
Metrics& App::metrics() { return parts_->metrics; }
const Dispatcher& App::dispatcher() const { return *parts_->dispatcher; }
Reloader& App::reloader() { return *parts_->reloader; }

bool App::responsive(std::chrono::milliseconds within) {
  // Shared with the task: it may run after this call gave up waiting.
  auto ran = std::make_shared<std::promise<void>>();
  auto done = ran->get_future();
  parts_->pool->post([ran] { ran->set_value(); });
  return done.wait_for(within) == std::future_status::ready;
}
int App::admin_port() const { return parts_->admin_port; }
int App::metrics_port() const { return parts_->metrics_endpoint ? parts_->metrics_endpoint->port() : 0; }
std::vector<std::pair<std::string, std::string>> App::adapter_status() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!parts_->adapter) return out;  // native mode: no EMQX
  for (const auto& a : parts_->adapter->status()) out.emplace_back(a.address, a.state);
  return out;
}
std::expected<std::string, std::string> App::apply_routes(const std::vector<Route>& routes) {
  // The mode is read once at start: a re-read file of the other mode names its routes' sockets
  // the other way, and applying it would drop (or invent) every listener.
  const bool native = parts_->native != nullptr;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (native == routes[i].listener_bind.empty()) {
      return std::unexpected(fmt::format("routes[{}].listener: the running host is in {} mode, which changes only with a restart",
                                         i, native ? "native" : "exproto"));
    }
  }
  if (!native) return parts_->reloader->apply_routes(routes);
  return parts_->native->apply_routes(routes, [&] { return parts_->reloader->apply_routes(routes); });
}

}  // namespace exproto::host
