#include "host/mqtt/mqtt_upstream.h"

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "host/mqtt/broker_address.h"
#include "host/mqtt/broker_tls.h"
#include "host/mqtt/host_clientid.h"
#include "host/mqtt/mqtt_connection.h"
#include "host/mqtt/reconnect_backoff.h"
#include "host/mqtt/topic_mount.h"

namespace exproto::host::mqtt {

namespace net = boost::asio;

namespace {

// The MQTT side of one device session. Touched only on the conn's executor.
struct Device {
  enum class State : uint8_t { none, connecting, connected, ended };
  std::string conn;
  net::any_io_executor ex;
  std::shared_ptr<MqttConnection> mqtt;
  std::string mountpoint;    // rendered at authenticate
  std::string ended_reason;  // why the MQTT session is over (state ended)
  State state = State::none;
};

UpstreamResult to_result(const MqttResult& r) {
  switch (r.status) {
    case MqttResult::Status::ok: return {EXPROTO_RESULT_SUCCESS, {}};
    case MqttResult::Status::refused: return {EXPROTO_RESULT_PERMISSION_DENY, r.text};
    case MqttResult::Status::unavailable: break;
  }
  return {EXPROTO_RESULT_HOST_UNAVAILABLE, r.text};
}

// EMQX's answer to a call that needs an authenticated session before it has one.
UpstreamResult unexpected_call() { return {EXPROTO_RESULT_UNKNOWN, "unexpected_call"}; }

}  // namespace

struct MqttUpstream::Core : std::enable_shared_from_this<Core> {
  Core(const MqttConfig& c, ExecutorFor ef, MqttSessionSink& s, MqttUpstreamLimits l)
      : cfg(c), limits(l), executor_for(std::move(ef)), sink(s),
        backoff(std::chrono::milliseconds(c.reconnect_min_ms), std::chrono::milliseconds(c.reconnect_max_ms), std::random_device{}()) {
    std::random_device rd;
    id_salt = (static_cast<uint64_t>(rd()) << 32) | rd();
  }

  // Counts a connection from creation until its callbacks are released (it ended or was closed).
  // Shares the counter: a connection let go by release() may outlive the core (its own io_context
  // destroys it), and its token then still has a counter to write to.
  struct OpenToken {
    explicit OpenToken(std::shared_ptr<std::atomic<std::size_t>> n) : count(std::move(n)) {
      count->fetch_add(1, std::memory_order_relaxed);
    }
    ~OpenToken() { count->fetch_sub(1, std::memory_order_relaxed); }
    std::shared_ptr<std::atomic<std::size_t>> count;
  };

  struct Shard {
    std::mutex mutex;  // held for one map operation only; devices themselves are never locked
    std::unordered_map<std::string, std::shared_ptr<Device>> devices;
  };
  Shard& shard(const std::string& conn) { return shards[std::hash<std::string>{}(conn) % shards.size()]; }
  std::shared_ptr<Device> find(const std::string& conn) {
    auto& s = shard(conn);
    std::lock_guard lock(s.mutex);
    const auto it = s.devices.find(conn);
    return it == s.devices.end() ? nullptr : it->second;
  }
  std::shared_ptr<Device> find_or_create(const std::string& conn, const net::any_io_executor& ex) {
    auto& s = shard(conn);
    std::lock_guard lock(s.mutex);
    auto& d = s.devices[conn];
    if (!d) {
      d = std::make_shared<Device>();
      d->conn = conn;
      d->ex = ex;
    }
    return d;
  }
  std::shared_ptr<Device> remove(const std::string& conn) {
    auto& s = shard(conn);
    std::lock_guard lock(s.mutex);
    const auto it = s.devices.find(conn);
    if (it == s.devices.end()) return nullptr;
    auto d = std::move(it->second);
    s.devices.erase(it);
    return d;
  }

  MqttConnectionOptions options_for(std::string clientid, std::optional<std::string> username,
                                    std::optional<std::string> password) const {
    MqttConnectionOptions o;
    o.version = cfg.protocol_version == MqttVersion::v5 ? ProtocolVersion::v5 : ProtocolVersion::v3_1_1;
    o.clientid = cfg.clientid_prefix + clientid;
    // MQTT 3.1.1 carries a password only with a user name (§3.1.2.9): an empty one then.
    if (password && !username && o.version == ProtocolVersion::v3_1_1) username = std::string();
    o.username = std::move(username);
    o.password = std::move(password);
    o.keepalive_s = static_cast<uint16_t>(std::min<uint32_t>(cfg.keepalive_s, 65535));
    o.connect_timeout = std::chrono::milliseconds(cfg.connect_timeout_ms);
    o.max_queued_bytes = limits.max_queued_bytes;
    o.max_packet_size = limits.max_packet_size;
    o.receive_maximum = limits.receive_maximum;
    if (cfg.tls) o.tls_server_name = cfg.tls->server_name.empty() ? endpoints->address().host : cfg.tls->server_name;
    return o;
  }

  // Makes a connection and starts connecting it once the shared backoff allows (within its
  // connect timeout). `connected(which, result)` runs on `ex` with the CONNACK's outcome.
  std::shared_ptr<MqttConnection> open(const net::any_io_executor& ex, MqttConnectionOptions o, MqttConnection::Callbacks cb,
                                       std::function<void(MqttConnection*, MqttResult)> connected) {
    const auto delay = backoff.next_delay();
    const auto timeout = o.connect_timeout;
    o.connect_timeout = timeout > delay ? timeout - delay : std::chrono::milliseconds(1);
    auto conn = std::make_shared<MqttConnection>(ex, tls.get(), std::move(o), std::move(cb));
    if (delay >= timeout) {
      // The broker failed so recently that this CONNECT could not even start in time.
      conn->fail("mqtt:broker_unavailable");
      net::post(ex, [conn, connected = std::move(connected)] {
        connected(conn.get(), MqttResult::unavailable("mqtt:broker_unavailable: backing off after failed connects"));
      });
      return conn;
    }
    auto go = [self = shared_from_this(), ex, conn, connected = std::move(connected)]() mutable {
      self->endpoints->get(ex, [self, conn, connected = std::move(connected)](std::expected<BrokerEndpoints::Endpoints, std::string> eps) mutable {
        if (!eps) {
          self->backoff.failed();
          conn->fail("mqtt:" + eps.error());
          return connected(conn.get(), MqttResult::unavailable("mqtt:" + eps.error()));
        }
        conn->connect(*eps, [self, which = conn.get(), connected = std::move(connected)](MqttResult r) {
          if (r.status != MqttResult::Status::unavailable) self->backoff.answered();
          else if (r.text != "mqtt:closed") {
            self->backoff.failed();
            self->endpoints->forget();
          }
          connected(which, std::move(r));
        });
      });
    };
    if (delay.count() > 0) {
      auto timer = std::make_shared<net::steady_timer>(ex, delay);
      timer->async_wait([timer, go = std::move(go)](const boost::system::error_code&) mutable { go(); });
    } else {
      go();
    }
    return conn;
  }

  std::string next_message_id() {
    // 32 upper-case hex digits as EMQX's message GUIDs: a per-process salt and a counter.
    const uint64_t n = message_seq.fetch_add(1, std::memory_order_relaxed);
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string id(32, '0');
    for (int i = 0; i < 16; ++i) {
      id[15 - i] = hex[(id_salt >> (4 * i)) & 0xF];
      id[31 - i] = hex[(n >> (4 * i)) & 0xF];
    }
    return id;
  }

  void serve_authenticate(UpstreamCall c, std::function<void(UpstreamResult)> done, const net::any_io_executor& ex);
  void serve_operation(UpstreamCall c, std::function<void(UpstreamResult)> done);
  void serve_raw_publish(UpstreamCall c, std::function<void(UpstreamResult)> done);
  void host_publish(UpstreamCall c, std::function<void(UpstreamResult)> done);
  void end(const std::string& conn, bool device_vanished);
  void release();

  const MqttConfig cfg;
  const MqttUpstreamLimits limits;
  const ExecutorFor executor_for;
  MqttSessionSink& sink;
  std::optional<std::string> error;
  std::unique_ptr<BrokerEndpoints> endpoints;
  std::shared_ptr<net::ssl::context> tls;
  ReconnectBackoff backoff;
  uint64_t id_salt = 0;
  std::atomic<uint64_t> message_seq{0};
  std::shared_ptr<std::atomic<std::size_t>> open_connections = std::make_shared<std::atomic<std::size_t>>(0);
  std::array<Shard, 16> shards;
  // The host's own connection for raw_publish without an authenticated session; touched only on
  // host_ex. Reconnected on demand: it is not a device, nobody else holds its session.
  net::any_io_executor host_ex;
  std::shared_ptr<MqttConnection> host_conn;
};

void MqttUpstream::Core::serve_authenticate(UpstreamCall c, std::function<void(UpstreamResult)> done, const net::any_io_executor& ex) {
  auto dev = find_or_create(c.conn, ex);
  switch (dev->state) {
    case Device::State::connecting:
    case Device::State::connected: return done({EXPROTO_RESULT_PERMISSION_DENY, "Duplicated authenticate command"});
    case Device::State::ended: return done({EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE, dev->ended_reason});
    case Device::State::none: break;
  }
  const auto& ci = c.clientinfo;
  dev->state = Device::State::connecting;
  dev->mountpoint = render_mountpoint(ci.mountpoint, ci.clientid, ci.username);
  std::optional<std::string> username;
  if (!ci.username.empty()) username = ci.username;
  std::optional<std::string> password;
  if (!c.data.empty()) password = std::move(c.data);

  std::weak_ptr<Core> wcore = weak_from_this();
  std::weak_ptr<Device> wdev = dev;
  MqttConnection::Callbacks cb;
  cb.messages = [wcore, wdev, token = std::make_shared<OpenToken>(open_connections)](
                    MqttConnection& from, std::vector<Publish> pubs, DeliveryAcks acks) {
    auto core = wcore.lock();
    auto d = wdev.lock();
    if (!core || !d) return;
    std::vector<DeliveredMessage> msgs;
    msgs.reserve(pubs.size());
    const auto now_ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch()).count());
    for (auto& p : pubs) {
      // MQTT does not say who published: `from` stays empty; `node` names the broker.
      msgs.push_back(DeliveredMessage{.node = core->cfg.server, .id = core->next_message_id(), .qos = p.qos, .from = {},
                                      .topic = unmount(d->mountpoint, p.topic), .payload = std::move(p.payload),
                                      .timestamp_ms = now_ms});
    }
    std::function<void()> handled = [] {};
    if (!acks.puback.empty() || !acks.pubrec.empty()) {
      handled = [ex = d->ex, w = from.weak_from_this(), acks = std::move(acks)] {
        net::post(ex, [w, acks] {
          if (auto m = w.lock()) m->acknowledge(acks);
        });
      };
    }
    core->sink.messages(d->conn, std::move(msgs), std::move(handled));
  };
  cb.ended = [wcore, wdev](MqttConnection& from, const std::string& reason) {
    auto core = wcore.lock();
    auto d = wdev.lock();
    if (!core || !d || d->mqtt.get() != &from) return;
    d->state = Device::State::ended;
    d->ended_reason = reason;
    const std::string detail = from.failure_detail();
    d->mqtt.reset();
    spdlog::debug("mqtt session of {} ended: {}{}{}", d->conn, reason, detail.empty() ? "" : ": ", detail);
    core->sink.ended(d->conn, reason);
  };
  dev->mqtt = open(ex, options_for(ci.clientid, std::move(username), std::move(password)), std::move(cb),
      [wdev, done = std::move(done)](MqttConnection* which, MqttResult r) {
        auto d = wdev.lock();
        if (d && d->mqtt.get() == which) {
          if (r.status == MqttResult::Status::ok) {
            d->state = Device::State::connected;
          } else {
            d->state = Device::State::none;  // authenticate may be tried again, as with EMQX
            d->mqtt.reset();
          }
        }
        done(to_result(r));
      });
}

void MqttUpstream::Core::serve_operation(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  auto dev = find(c.conn);
  if (!dev || dev->state == Device::State::none) return done(unexpected_call());
  if (dev->state == Device::State::ended) return done({EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE, dev->ended_reason});
  // An operation behind a CONNECT that fails is, like EMQX's, a call before authentication.
  auto finish = [dev, done = std::move(done)](MqttResult r) {
    if (r.status == MqttResult::Status::unavailable && dev->state == Device::State::none) return done(unexpected_call());
    done(to_result(r));
  };
  switch (c.kind) {
    case EXPROTO_CALL_PUBLISH:
      return dev->mqtt->publish(mount(dev->mountpoint, c.topic), std::move(c.data), static_cast<uint8_t>(c.qos), std::move(finish));
    case EXPROTO_CALL_SUBSCRIBE:
      return dev->mqtt->subscribe(mount(dev->mountpoint, c.topic), static_cast<uint8_t>(c.qos), std::move(finish));
    case EXPROTO_CALL_UNSUBSCRIBE:
      return dev->mqtt->unsubscribe(mount(dev->mountpoint, c.topic), std::move(finish));
    default:
      return finish(MqttResult::unavailable("not an MQTT operation"));
  }
}

void MqttUpstream::Core::serve_raw_publish(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  // EMQX's RawPublish: no authentication, no mountpoint. An authenticated session's own MQTT
  // connection carries it (the broker's ACL for that client applies); else the host's.
  if (auto dev = find(c.conn); dev && dev->state == Device::State::connected) {
    return dev->mqtt->publish(std::move(c.topic), std::move(c.data), static_cast<uint8_t>(c.qos),
                              [done = std::move(done)](MqttResult r) { done(to_result(r)); });
  }
  net::post(host_ex, [self = shared_from_this(), c = std::move(c), done = std::move(done)]() mutable {
    self->host_publish(std::move(c), std::move(done));
  });
}

void MqttUpstream::Core::host_publish(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  if (!host_conn) {
    std::weak_ptr<Core> wcore = weak_from_this();
    MqttConnection::Callbacks cb;
    cb.ended = [wcore, token = std::make_shared<OpenToken>(open_connections)](MqttConnection& from, const std::string& reason) {
      auto core = wcore.lock();
      if (!core || core->host_conn.get() != &from) return;
      spdlog::info("mqtt: the host's own connection (raw_publish) ended: {}; it reconnects on the next raw_publish", reason);
      core->host_conn.reset();
    };
    auto options = options_for("", std::nullopt, std::nullopt);
    options.clientid = host_clientid(cfg, id_salt >> 40);
    host_conn = open(host_ex, std::move(options), std::move(cb),
        [wcore](MqttConnection* which, MqttResult r) {
          auto core = wcore.lock();
          if (!core || r.status == MqttResult::Status::ok || core->host_conn.get() != which) return;
          core->host_conn.reset();
        });
  }
  host_conn->publish(std::move(c.topic), std::move(c.data), static_cast<uint8_t>(c.qos),
                     [done = std::move(done)](MqttResult r) { done(to_result(r)); });
}

void MqttUpstream::Core::end(const std::string& conn, bool device_vanished) {
  auto dev = remove(conn);
  if (!dev) return;
  // Calls still in flight answer HOST_UNAVAILABLE, not "unexpected_call": the session existed.
  dev->state = Device::State::ended;
  dev->ended_reason = "mqtt:closed";
  if (auto m = std::move(dev->mqtt)) m->close(device_vanished);
}

// Handlers queued on stopped io_contexts still hold the core, and the io_contexts are destroyed
// after the upstream, one by one: whichever destroys the last of those handlers would destroy the
// core's connections from inside its own destructor, including connections of io_contexts already
// gone (their sockets and timers then touch freed reactors: heap corruption at the host's exit).
// So the core lets go of every connection here, while all the io_contexts still exist: one that
// nothing else holds goes now, one that its own pending operations hold goes when its own
// io_context destroys them (which Asio allows). Nothing is closed or completed: the threads have
// stopped and the sessions that the completions would reach may be gone already.
void MqttUpstream::Core::release() {
  for (auto& s : shards) {
    std::unordered_map<std::string, std::shared_ptr<Device>> devices;
    {
      std::lock_guard lock(s.mutex);
      devices.swap(s.devices);
    }
    for (auto& [conn, dev] : devices) dev->mqtt.reset();
  }
  host_conn.reset();
}

MqttUpstream::MqttUpstream(const MqttConfig& cfg, ExecutorFor executor_for, MqttSessionSink& sink, MqttUpstreamLimits limits)
    : core_(std::make_shared<Core>(cfg, std::move(executor_for), sink, limits)) {
  auto address = parse_broker_address(cfg.server);
  if (!address) {
    core_->error = address.error();
    address = BrokerAddress{"127.0.0.1", 1883};
  }
  core_->endpoints = std::make_unique<BrokerEndpoints>(std::move(*address));
  if (cfg.tls && !core_->error) {
    auto ctx = make_broker_tls_context(*cfg.tls);
    if (ctx) core_->tls = std::move(*ctx);
    else core_->error = ctx.error();
  }
  core_->host_ex = core_->executor_for("");
}

MqttUpstream::~MqttUpstream() { core_->release(); }

const std::optional<std::string>& MqttUpstream::error() const { return core_->error; }

std::size_t MqttUpstream::connections() const { return core_->open_connections->load(std::memory_order_relaxed); }

void MqttUpstream::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  switch (c.kind) {
    case EXPROTO_CALL_AUTHENTICATE:
    case EXPROTO_CALL_PUBLISH:
    case EXPROTO_CALL_SUBSCRIBE:
    case EXPROTO_CALL_UNSUBSCRIBE:
    case EXPROTO_CALL_RAW_PUBLISH: break;
    default:
      return done({EXPROTO_RESULT_UNKNOWN, std::string("native mode: ") + call_kind_name(c.kind) +
                                               " is served by the device listener, not the MQTT upstream"});
  }
  if (core_->error) return done({EXPROTO_RESULT_HOST_UNAVAILABLE, *core_->error});
  // EMQX's guard on Publish/Subscribe QoS answers UNKNOWN PARAMS_TYPE_ERROR.
  if (c.kind != EXPROTO_CALL_AUTHENTICATE && c.kind != EXPROTO_CALL_UNSUBSCRIBE && c.qos > 2) {
    return done({EXPROTO_RESULT_UNKNOWN, "PARAMS_TYPE_ERROR"});
  }
  auto ex = core_->executor_for(c.conn);
  net::post(ex, [core = core_, ex, c = std::move(c), done = std::move(done)]() mutable {
    switch (c.kind) {
      case EXPROTO_CALL_AUTHENTICATE: return core->serve_authenticate(std::move(c), std::move(done), ex);
      case EXPROTO_CALL_RAW_PUBLISH: return core->serve_raw_publish(std::move(c), std::move(done));
      default: return core->serve_operation(std::move(c), std::move(done));
    }
  });
}

void MqttUpstream::end(const std::string& conn, bool device_vanished) {
  net::post(core_->executor_for(conn), [core = core_, conn, device_vanished] { core->end(conn, device_vanished); });
}

}  // namespace exproto::host::mqtt
