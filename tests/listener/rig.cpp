#include "rig.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <thread>

#include "host/registry/codec_library.h"
#include "host/session/host_api.h"

namespace ltest {

// ---- BrokerDouble -----------------------------------------------------------------------------

void BrokerDouble::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  {
    std::unique_lock lk(mu_);
    if (gate_closed_) {
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lk, [this] { return !gate_closed_; });
      --blocked_;
    }
    calls_.push_back(std::move(c));
    cv_.notify_all();
  }
  done(UpstreamResult{EXPROTO_RESULT_SUCCESS, "", false});
}

std::vector<UpstreamCall> BrokerDouble::calls() const {
  std::lock_guard lk(mu_);
  return calls_;
}

std::vector<UpstreamCall> BrokerDouble::calls_of(int32_t kind) const {
  std::vector<UpstreamCall> out;
  for (auto& c : calls())
    if (c.kind == kind) out.push_back(c);
  return out;
}

bool BrokerDouble::wait(const std::function<bool(const std::vector<UpstreamCall>&)>& pred,
                        std::chrono::milliseconds timeout) const {
  std::unique_lock lk(mu_);
  return cv_.wait_for(lk, timeout, [&] { return pred(calls_); });
}

std::optional<std::string> BrokerDouble::conn_of(const std::string& clientid, std::chrono::milliseconds timeout) const {
  std::optional<std::string> conn;
  wait(
      [&](const std::vector<UpstreamCall>& calls) {
        for (const auto& c : calls) {
          if (c.kind == EXPROTO_CALL_AUTHENTICATE && c.clientinfo.clientid == clientid) {
            conn = c.conn;
            return true;
          }
        }
        return false;
      },
      timeout);
  return conn;
}

void BrokerDouble::close_gate() {
  std::lock_guard lk(mu_);
  gate_closed_ = true;
}

void BrokerDouble::open_gate() {
  std::lock_guard lk(mu_);
  gate_closed_ = false;
  cv_.notify_all();
}

// ---- LifecycleRecorder ------------------------------------------------------------------------

void LifecycleRecorder::device_closed(const std::string& conn, bool vanished) {
  std::lock_guard lk(mu_);
  closed_.emplace_back(conn, vanished);
  cv_.notify_all();
}

std::optional<bool> LifecycleRecorder::wait_closed(const std::string& conn, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(mu_);
  std::optional<bool> vanished;
  cv_.wait_for(lk, timeout, [&] {
    for (const auto& [c, v] : closed_) {
      if (c == conn) {
        vanished = v;
        return true;
      }
    }
    return false;
  });
  return vanished;
}

std::size_t LifecycleRecorder::count() const {
  std::lock_guard lk(mu_);
  return closed_.size();
}

// ---- Rig --------------------------------------------------------------------------------------

uint16_t free_port(SockType type) {
  const int fd = ::socket(AF_INET, type == SockType::udp ? SOCK_DGRAM : SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

Rig::Rig(RigOptions o) : options(std::move(o)) {
  io = std::make_unique<IoThreads>(options.shards);
  table = std::make_unique<DeviceTable>(*io);
  upstream = std::make_unique<DeviceUpstream>(*table, broker);
  timers = std::make_unique<TimerService>();
  const auto& s = options.sessions;
  pool = std::make_unique<WorkerPool>(
      2, WorkerPool::Watchdog{std::chrono::milliseconds(s.hook_timeout_ms), s.max_extra_workers, &metrics});
  auto lib = CodecLibrary::load(options.codec_so, {}, host_api_table());
  REQUIRE_MESSAGE(lib.has_value(), (lib ? "" : lib.error()));
  auto instance = CodecInstance::create(*lib, host_api_table(), options.codec_config);
  REQUIRE_MESSAGE(instance.has_value(), (instance ? "" : instance.error()));

  port = free_port(options.socktype);
  Route route;
  route.listener = ListenerKey{port, options.socktype};
  route.listener_bind = "127.0.0.1:" + std::to_string(port);
  route.listener_idle_timeout_s = options.idle_timeout_s;
  route.listener_max_connections = options.max_connections;
  route.listener_max_peers = options.max_peers;
  route.listener_tls = options.tls;
  route.codec = (*lib)->descriptor().name;
  route.config_json = options.codec_config;
  RouteTable routes;
  routes.add(route.listener, *instance, route);

  SessionEnv senv{*pool, *timers, *upstream, metrics, s, host_api_table(), {}};
  senv.budget = std::make_shared<MemoryBudget>(s.max_total_queued_bytes, &metrics.queued_bytes);
  senv.log_limits = std::make_shared<LogLimiter>(&metrics.log_lines_suppressed);
  senv.inline_policy = std::make_shared<InlinePolicy>(s.inline_hooks);
  dispatcher = std::make_unique<Dispatcher>(std::move(senv), std::move(routes));

  env = std::make_unique<DeviceEnv>(DeviceEnv{*io, *table, *dispatcher, &lifecycle, stats, log_limits});
  listeners = std::make_unique<Listeners>(*env);
  io->start();
  auto started = listeners->start({route}, options.limits);
  REQUIRE_MESSAGE(started.has_value(), (started ? "" : started.error()));
  REQUIRE(listeners->port(0) == port);
}

Rig::~Rig() {
  broker.open_gate();
  listeners->stop();
  timers->stop();
  pool.reset();  // runs what is queued, then joins
  io->stop();
  dispatcher.reset();
  listeners.reset();
  upstream.reset();
  table.reset();
  env.reset();
  io.reset();
}

int32_t Rig::call(UpstreamCall c, std::chrono::milliseconds timeout) {
  auto result = std::make_shared<std::promise<int32_t>>();
  auto future = result->get_future();
  upstream->call(std::move(c), [result](UpstreamResult r) { result->set_value(r.code); });
  if (future.wait_for(timeout) != std::future_status::ready) return -1;
  return future.get();
}

}  // namespace ltest
