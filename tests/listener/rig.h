// A native-mode host core without its MQTT side: io threads, the device listeners, the real
// Dispatcher, sessions, pool, timers and a real codec, with BrokerDouble standing in for the
// broker side (host/mqtt's MqttUpstream in the product).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "host/config/config.h"
#include "host/listener/device_env.h"
#include "host/listener/device_table.h"
#include "host/listener/device_upstream.h"
#include "host/listener/listeners.h"
#include "host/log/log_limiter.h"
#include "host/metrics/metrics.h"
#include "host/net/io_threads.h"
#include "host/registry/codec_instance.h"
#include "host/session/dispatcher.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"
#include "host/upstream/upstream.h"

namespace ltest {

using namespace exproto::host;
using namespace std::chrono_literals;

// TEST DOUBLE of the broker side: not an MQTT client. It answers every call it gets
// (Authenticate, Publish, Subscribe, Unsubscribe, RawPublish) SUCCESS at once and records it.
// While the gate is closed, call() blocks the calling thread (the codec's hook), like a hook
// that takes long.
class BrokerDouble : public Upstream {
 public:
  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;
  std::vector<UpstreamCall> calls() const;
  std::vector<UpstreamCall> calls_of(int32_t kind) const;
  bool wait(const std::function<bool(const std::vector<UpstreamCall>&)>& pred,
            std::chrono::milliseconds timeout = 5s) const;
  // The conn of the first Authenticate with `clientid`, waiting for it.
  std::optional<std::string> conn_of(const std::string& clientid, std::chrono::milliseconds timeout = 5s) const;
  void close_gate();
  void open_gate();
  int blocked() const { return blocked_.load(); }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<UpstreamCall> calls_;
  bool gate_closed_ = false;
  std::atomic<int> blocked_{0};
};

// Records DeviceLifecycle::device_closed.
class LifecycleRecorder : public DeviceLifecycle {
 public:
  void device_closed(const std::string& conn, bool vanished) override;
  // The `vanished` flag reported for `conn`, waiting for it; nullopt if not reported in time.
  std::optional<bool> wait_closed(const std::string& conn, std::chrono::milliseconds timeout = 5s) const;
  std::size_t count() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::pair<std::string, bool>> closed_;
};

struct RigOptions {
  SockType socktype = SockType::tcp;
  std::string codec_so = LINE_SO;
  std::string codec_config = "{}";
  uint32_t idle_timeout_s = 30;
  uint32_t max_connections = 0;  // routes[].listener.max_connections (tcp, ssl)
  uint32_t max_peers = 0;        // routes[].listener.max_peers (udp)
  std::optional<HandlerTls> tls;
  SessionsConfig sessions{};
  DeviceLimits limits{};
  std::size_t shards = 2;
};

struct Rig {
  explicit Rig(RigOptions options = {});
  ~Rig();

  RigOptions options;
  uint16_t port = 0;
  Metrics metrics;
  BrokerDouble broker;
  LifecycleRecorder lifecycle;
  ListenerStats stats;
  LogLimiter log_limits;
  std::unique_ptr<IoThreads> io;
  std::unique_ptr<DeviceTable> table;
  std::unique_ptr<DeviceUpstream> upstream;
  std::unique_ptr<TimerService> timers;
  std::unique_ptr<WorkerPool> pool;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<DeviceEnv> env;
  std::unique_ptr<Listeners> listeners;

  // Runs an Upstream call as a codec would and waits for its result code.
  int32_t call(UpstreamCall c, std::chrono::milliseconds timeout = 5s);
};

// A port that is free on 127.0.0.1 for `type` right now.
uint16_t free_port(SockType type);
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s);

}  // namespace ltest
