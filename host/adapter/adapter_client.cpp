#include "host/adapter/adapter_client.h"

#include <variant>

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "exproto.grpc.pb.h"
#include "host/adapter/channel_credentials.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

namespace {
// How often reachability is looked at: a failover or recovery is noticed within this.
constexpr std::chrono::milliseconds kMonitorPeriod{200};

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* state_name(grpc_connectivity_state s) {
  switch (s) {
    case GRPC_CHANNEL_IDLE: return "IDLE";
    case GRPC_CHANNEL_CONNECTING: return "CONNECTING";
    case GRPC_CHANNEL_READY: return "READY";
    case GRPC_CHANNEL_TRANSIENT_FAILURE: return "TRANSIENT_FAILURE";
    case GRPC_CHANNEL_SHUTDOWN: return "SHUTDOWN";
  }
  return "?";
}
}  // namespace

struct AdapterClient::Channel {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<pb::ConnectionAdapter::Stub> stub;
};

struct AdapterClient::Address {
  enum class Reach { unknown, reachable, unreachable };
  std::string address;
  std::vector<Channel> channels;
  std::atomic<Reach> reach{Reach::unknown};
  std::atomic<int64_t> since_ms{0};
  std::chrono::steady_clock::time_point down_since{};  // monitor thread only
  bool dropped = false;  // monitor thread only: was reachable, lost its connection since
  std::chrono::steady_clock::time_point last_kick{};  // under mu_: last backoff reset by a call
};

// One call's gRPC objects; they must live until the callback ran. Only the request of the call's
// kind is built: two adapter calls per device frame made constructing and destroying seven unused
// messages each a measurable share of the host's own CPU.
struct AdapterClient::Pending : InFlightEntry, std::enable_shared_from_this<Pending> {
  grpc::ClientContext ctx;
  const Address* address = nullptr;
  bool waits_for_ready = false;  // set before the call starts, read under mu_
  std::atomic<bool> deadline_passed{false};  // cancelled by the deadline thread
  pb::CodeResponse resp;
  std::variant<std::monostate, pb::SendBytesRequest, pb::CloseSocketRequest, pb::AuthenticateRequest,
               pb::TimerRequest, pb::PublishRequest, pb::RawPublishRequest, pb::SubscribeRequest,
               pb::UnsubscribeRequest>
      request;
  Completion done;
  // The call owns itself until gRPC's callback ran: the callback then captures only a pointer,
  // which std::function holds without allocating.
  std::shared_ptr<Pending> self;
};

AdapterClient::AdapterClient(const AdapterConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials,
                             Metrics& metrics)
    : config_(config), metrics_(metrics) {
  const uint32_t n = std::max<uint32_t>(1, config.channels);
  for (const auto& address : config.addresses) {
    auto a = std::make_unique<Address>();
    a->address = address;
    a->since_ms = unix_ms();
    for (uint32_t i = 0; i < n; ++i) {
      grpc::ChannelArguments args;
      // Separate subchannel pools make each channel its own HTTP/2 connection.
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      args.SetInt("exproto.channel_index", static_cast<int>(i));
      args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
      args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
      args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, static_cast<int>(config.reconnect_min_ms));
      args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(config.reconnect_min_ms));
      args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(config.reconnect_max_ms));
      args.SetMaxReceiveMessageSize(-1);
      apply_server_name(config, args);
      auto ch = grpc::CreateCustomChannel(address, credentials, args);
      auto stub = pb::ConnectionAdapter::NewStub(ch);
      a->channels.push_back(Channel{std::move(ch), std::move(stub)});
    }
    addresses_.push_back(std::move(a));
  }
  metrics_.adapter_ready.set(1);
  deadlines_ = std::jthread([this](std::stop_token stop) { watch_deadlines(stop); });
  monitor_ = std::jthread([this](std::stop_token stop) { monitor(stop); });
}

AdapterClient::~AdapterClient() { shutdown(); }

void AdapterClient::on_readiness(std::function<void(bool, bool)> fn) {
  std::lock_guard lk(readiness_mu_);
  on_readiness_ = std::move(fn);
}

std::vector<AdapterClient::AddressStatus> AdapterClient::status() const {
  std::vector<AddressStatus> out;
  for (const auto& a : addresses_) {
    const auto r = a->reach.load();
    out.push_back(AddressStatus{a->address,
                                r == Address::Reach::reachable     ? "reachable"
                                : r == Address::Reach::unreachable ? "unreachable"
                                                                   : "unknown",
                                a->since_ms.load()});
  }
  return out;
}

void AdapterClient::monitor(std::stop_token stop) {
  std::mutex m;
  std::condition_variable_any cv;
  bool was_ready = true;  // optimistic until every address was seen unreachable
  bool outage = false;  // EMQX was seen unreachable (as opposed to not connected yet)
  auto outage_start = std::chrono::steady_clock::now();
  while (!stop.stop_requested()) {
    bool reconnected = false;  // a connection to EMQX dropped and came back: EMQX may have restarted
    for (auto& a : addresses_) {
      bool any_ready = false;
      bool all_failed = true;
      grpc_connectivity_state seen = GRPC_CHANNEL_IDLE;
      for (auto& ch : a->channels) {
        seen = ch.channel->GetState(/*try_to_connect=*/true);
        any_ready = any_ready || seen == GRPC_CHANNEL_READY;
        all_failed = all_failed && seen == GRPC_CHANNEL_TRANSIENT_FAILURE;
      }
      const auto before = a->reach.load();
      auto now = before;
      if (any_ready) now = Address::Reach::reachable;
      else if (all_failed) now = Address::Reach::unreachable;
      // A node restarted faster than it could be seen unreachable still dropped the connection.
      if (before == Address::Reach::reachable && !any_ready) a->dropped = true;
      // Back after a drop or an outage of this node: the conns it owned may be gone with it,
      // even when the cluster as a whole stayed reachable.
      if (any_ready && (a->dropped || before == Address::Reach::unreachable)) {
        if (before == Address::Reach::reachable) {
          spdlog::info("ConnectionAdapter {}: the connection dropped and is back; re-checking sessions", a->address);
        }
        a->dropped = false;
        reconnected = true;
      }
      if (now == before) continue;
      a->reach = now;
      a->since_ms = unix_ms();
      if (now == Address::Reach::reachable) {
        if (before == Address::Reach::unreachable) {
          const auto down = std::chrono::steady_clock::now() - a->down_since;
          spdlog::info("ConnectionAdapter {} is reachable again after {:.1f} s", a->address,
                       std::chrono::duration<double>(down).count());
        } else {
          spdlog::info("ConnectionAdapter {} is reachable", a->address);
        }
      } else {
        a->down_since = std::chrono::steady_clock::now();
        // Calls waiting for this node to connect were never sent: fail them now, not at their deadline.
        std::lock_guard lk(mu_);
        calls_.for_each([&](InFlightEntry& e) {
          auto& p = static_cast<Pending&>(e);
          if (p.waits_for_ready && p.address == a.get()) p.ctx.TryCancel();
        });
        spdlog::warn("ConnectionAdapter {} is unreachable (channel {}); reconnecting every {}..{} ms", a->address,
                     state_name(seen), config_.reconnect_min_ms, config_.reconnect_max_ms);
      }
    }
    bool all_down = true;
    for (const auto& a : addresses_) all_down = all_down && a->reach == Address::Reach::unreachable;
    // Not connected yet is not an outage: the first calls find out, and health must not flap at start.
    const bool ready = !all_down;
    if (all_down && !outage) {
      outage = true;
      outage_start = std::chrono::steady_clock::now();
      spdlog::error("EMQX unreachable: no ConnectionAdapter address answers; calls {} until one does",
                    config_.when_unavailable == WhenUnavailable::fail
                        ? "fail at once with HOST_UNAVAILABLE"
                        : fmt::format("wait up to {} ms", config_.hold_ms));
    }
    if (ready != was_ready || (ready && outage) || reconnected) {
      const bool recovered = (ready && outage) || reconnected;
      if (recovered) metrics_.adapter_recoveries.inc();
      if (ready && outage) {
        spdlog::info("EMQX reachable again after {:.1f} s",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - outage_start).count());
        outage = false;
      }
      metrics_.adapter_ready.set(ready ? 1 : 0);
      ready_ = ready;
      was_ready = ready;
      // Called under its own lock so that on_readiness(nullptr) returns only once no call is running.
      std::lock_guard lk(readiness_mu_);
      if (on_readiness_) on_readiness_(ready, recovered);
    }
    flush_held(ready);
    std::unique_lock lk(m);
    cv.wait_for(lk, stop, kMonitorPeriod, [] { return false; });
  }
}

void AdapterClient::flush_held(bool reachable) {
  std::deque<Held> go;
  std::vector<Held> expired;
  {
    std::lock_guard lk(mu_);
    if (held_.empty()) return;
    if (reachable) {
      go.swap(held_);
    } else {
      const auto now = std::chrono::steady_clock::now();
      while (!held_.empty() && now - held_.front().call.queued_at >= std::chrono::milliseconds(config_.hold_ms)) {
        expired.push_back(std::move(held_.front()));
        held_.pop_front();
      }
    }
  }
  for (auto& h : expired) {
    metrics_.adapter_calls_failed_fast.inc();
    complete(h.done, UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE,
                                    fmt::format("EMQX unreachable for adapter.hold_ms ({} ms)", config_.hold_ms)});
  }
  for (auto& h : go) route(std::move(h.call), std::move(h.done));
}

void AdapterClient::track(Pending& p) {
  std::lock_guard lk(mu_);
  in_flight_.fetch_add(1, std::memory_order_relaxed);
  calls_.add(p);
  // Calls made later mostly expire later: the deadline thread is woken only by one that expires
  // before it would wake anyway (not by every call made when none was in flight: a wake-up per
  // call is what issue 9 removed).
  if (p.deadline < deadline_wake_) {
    deadline_wake_ = p.deadline;
    deadline_cv_.notify_one();
  }
}

void AdapterClient::forget(Pending& p) {
  std::lock_guard lk(mu_);
  calls_.remove(p);  // a no-op when the deadline thread took it out
}

void AdapterClient::untrack() {
  // The lock only for the last one: a waiter in drain() or shutdown() checks the count under it.
  if (in_flight_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    std::lock_guard lk(mu_);
    idle_.notify_all();
  }
}

void AdapterClient::watch_deadlines(std::stop_token stop) {
  std::vector<std::shared_ptr<Pending>> late;
  std::unique_lock lk(mu_);
  while (!stop.stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    for (InFlightEntry* e = calls_.earliest(); e != nullptr && e->deadline <= now; e = calls_.earliest()) {
      // Alive: a call leaves the index before it is freed.
      if (auto p = static_cast<Pending*>(e)->weak_from_this().lock()) late.push_back(std::move(p));
      calls_.remove(*e);
    }
    if (!late.empty()) {
      lk.unlock();
      for (auto& p : late) {
        p->deadline_passed = true;  // before the cancel: its callback may run at once, elsewhere
        p->ctx.TryCancel();
      }
      // A call whose callback already ran is freed here; shutdown() joins this thread before it
      // waits for the callbacks, so none is freed after the channels are gone.
      late.clear();
      lk.lock();
      continue;
    }
    // Until the earliest deadline; with no call in flight, until track() sets one.
    const auto until = calls_.empty() ? kNever : calls_.earliest()->deadline;
    deadline_wake_ = until;
    const auto moved = [&] { return deadline_wake_ != until; };
    if (until == kNever) deadline_cv_.wait(lk, stop, moved);
    else deadline_cv_.wait_until(lk, stop, until, moved);
  }
}

bool AdapterClient::drain(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lk(mu_);
  return idle_.wait_until(lk, deadline, [this] { return in_flight_ == 0 && held_.empty(); });
}

void AdapterClient::stop_monitor() {
  if (monitor_.joinable()) {
    monitor_.request_stop();
    monitor_.join();
  }
}

void AdapterClient::shutdown() {
  stopping_ = true;
  stop_monitor();
  if (deadlines_.joinable()) {
    deadlines_.request_stop();
    deadlines_.join();
  }
  std::deque<Held> held;
  {
    std::lock_guard lk(mu_);
    held.swap(held_);
  }
  for (auto& h : held) complete(h.done, UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE, "exproto-host is shutting down"});
  std::unique_lock lk(mu_);
  calls_.for_each([](InFlightEntry& e) { static_cast<Pending&>(e).ctx.TryCancel(); });
  idle_.wait(lk, [this] { return in_flight_ == 0; });
}

namespace {
UpstreamResult to_result(const grpc::Status& s, const pb::CodeResponse& resp, bool deadline_passed,
                         uint32_t timeout_ms) {
  if (s.ok()) return UpstreamResult{static_cast<int32_t>(resp.code()), resp.message()};
  if (deadline_passed) {
    return UpstreamResult{EXPROTO_RESULT_HOST_DEADLINE,
                          fmt::format("no answer from EMQX by the call's deadline (adapter.timeout_ms {} ms from when "
                                      "the codec made it); the host cancelled it",
                                      timeout_ms)};
  }
  const int32_t code = s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ? EXPROTO_RESULT_HOST_DEADLINE
                                                                             : EXPROTO_RESULT_HOST_UNAVAILABLE;
  return UpstreamResult{code, "gRPC status " + std::to_string(s.error_code()) + ": " + s.error_message()};
}
}  // namespace

AdapterClient::Address* AdapterClient::pick() {
  Address* unknown = nullptr;
  for (auto& a : addresses_) {
    const auto r = a->reach.load(std::memory_order_relaxed);
    if (r == Address::Reach::reachable) return a.get();
    if (r == Address::Reach::unknown && unknown == nullptr) unknown = a.get();
  }
  return unknown;  // not connected yet: let gRPC try
}

void AdapterClient::complete(Completion& c, UpstreamResult r) {
  metrics_.adapter_call_seconds.observe(std::chrono::steady_clock::now() - c.started);
  metrics_.count_adapter_call(c.kind, r.code);
  c.done(std::move(r));
}

void AdapterClient::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  const auto now = std::chrono::steady_clock::now();
  if (c.queued_at == std::chrono::steady_clock::time_point{}) c.queued_at = now;
  Completion completion{c.kind, now, std::move(done)};
  route(std::move(c), std::move(completion));
}

void AdapterClient::route(UpstreamCall&& c, Completion&& done) {
  if (stopping_) {
    complete(done, UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE, "exproto-host is shutting down"});
    return;
  }
  Address* address = pick();
  bool connecting = false;
  if (address == nullptr) address = probe_now(connecting);
  if (address == nullptr) {
    if (config_.when_unavailable == WhenUnavailable::fail) {
      metrics_.adapter_calls_failed_fast.inc();
      complete(done, UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE,
                                    "EMQX unreachable (no ConnectionAdapter address answers)"});
      return;
    }
    std::lock_guard lk(mu_);
    held_.push_back(Held{std::move(c), std::move(done)});
    return;
  }
  send(*address, std::move(c), std::move(done), connecting);
}

AdapterClient::Address* AdapterClient::probe_now(bool& connecting) {
  // A call while every node is marked unreachable: EMQX may be back already (its devices are
  // talking to us), and the monitor only looks every 200 ms and gRPC may sit in its backoff. So
  // look now, and cut the backoff short (at most every 100 ms) so a connection attempt starts.
  const auto now = std::chrono::steady_clock::now();
  for (auto& a : addresses_) {
    for (auto& ch : a->channels) {
      auto state = ch.channel->GetState(false);
      if (state == GRPC_CHANNEL_READY) return a.get();
      if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_IDLE) {
        std::lock_guard lk(mu_);
        if (now - a->last_kick >= std::chrono::milliseconds(100)) {
          a->last_kick = now;
          grpc::experimental::ChannelResetConnectionBackoff(ch.channel.get());
          state = ch.channel->GetState(true);
        }
      }
      if (state == GRPC_CHANNEL_CONNECTING) {
        connecting = true;
        return a.get();
      }
    }
  }
  return nullptr;
}

void AdapterClient::send(Address& address, UpstreamCall&& c, Completion&& done, bool connecting) {
  // The deadline counts from when the codec made the call: time spent queued behind a slow call
  // is part of it, so a stalled EMQX costs each session one timeout, not one per queued call.
  const auto now = std::chrono::steady_clock::now();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      c.queued_at + std::chrono::milliseconds(config_.timeout_ms) - now);
  if (left.count() <= 0) {
    complete(done, UpstreamResult{EXPROTO_RESULT_HOST_DEADLINE,
                                  fmt::format("adapter.timeout_ms ({} ms) passed while the call waited in the host",
                                              config_.timeout_ms)});
    return;
  }
  auto p = std::make_shared<Pending>();
  // Not connected yet (start-up), or a connection attempt to a node marked unreachable is under
  // way: wait for the connection instead of failing inside gRPC's reconnect backoff while EMQX may
  // in fact be up; after an outage the wait is short, so the call still fails fast if it is not.
  const bool unknown = address.reach.load(std::memory_order_relaxed) == Address::Reach::unknown;
  std::size_t idx = address.channels.size() == 1 ? 0 : std::hash<std::string>{}(c.conn) % address.channels.size();
  // An address is reachable once one of its channels is READY; the others reconnect on their own
  // backoff. A call never goes to one of those while another is READY (a session has one call in
  // flight, so which HTTP/2 connection carries it does not change its order), and waits for a
  // connection if none is READY yet, instead of failing at once inside gRPC's backoff.
  bool no_channel_ready = false;
  if (address.channels.size() > 1 && address.channels[idx].channel->GetState(false) != GRPC_CHANNEL_READY) {
    no_channel_ready = true;
    for (std::size_t j = 0; j < address.channels.size() && no_channel_ready; ++j) {
      if (address.channels[j].channel->GetState(false) == GRPC_CHANNEL_READY) {
        idx = j;
        no_channel_ready = false;
      }
    }
  }
  auto deadline = left;
  if (connecting || no_channel_ready) deadline = std::min(left, std::chrono::milliseconds(1000));
  // Not gRPC's deadline: that costs every call a timer inside gRPC and a grpc-timeout header,
  // ~5 000 instructions per device frame, 2.4 % of the host's (issue 9, cachegrind). EMQX is not
  // told (it bounds its own work by its 5 s call timeout); one thread sleeping until the earliest
  // deadline cancels the few calls that pass theirs.
  p->deadline = now + deadline;
  p->address = &address;
  if (unknown || connecting || no_channel_ready) {
    p->ctx.set_wait_for_ready(true);
    p->waits_for_ready = true;
  }
  auto* api = address.channels[idx].stub->async();
  p->done = std::move(done);
  track(*p);
  Pending* call = p.get();
  call->self = std::move(p);
  auto finish = [this, call](grpc::Status s) {
    std::shared_ptr<Pending> own = std::move(call->self);
    complete(call->done, to_result(s, call->resp, call->deadline_passed, config_.timeout_ms));
    forget(*call);
    // Freed here, before untrack() lets shutdown() drop the channels: a ClientContext that outlives
    // them would release the last channel reference on a gRPC thread, which gRPC 1.51 aborts on.
    own.reset();
    untrack();
  };
  switch (c.kind) {
    case EXPROTO_CALL_SEND: {
      auto& m = call->request.emplace<pb::SendBytesRequest>();
      m.set_conn(std::move(c.conn));
      m.set_bytes(std::move(c.data));
      api->Send(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_CLOSE: {
      auto& m = call->request.emplace<pb::CloseSocketRequest>();
      m.set_conn(std::move(c.conn));
      api->Close(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_AUTHENTICATE: {
      auto& m = call->request.emplace<pb::AuthenticateRequest>();
      m.set_conn(std::move(c.conn));
      auto* ci = m.mutable_clientinfo();  // always present: EMQX crashes on a missing clientinfo
      ci->set_proto_name(std::move(c.clientinfo.proto_name));
      ci->set_proto_ver(std::move(c.clientinfo.proto_ver));
      ci->set_clientid(std::move(c.clientinfo.clientid));
      ci->set_username(std::move(c.clientinfo.username));
      ci->set_mountpoint(std::move(c.clientinfo.mountpoint));
      m.set_password(std::move(c.data));
      api->Authenticate(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_START_KEEPALIVE: {
      auto& m = call->request.emplace<pb::TimerRequest>();
      m.set_conn(std::move(c.conn));
      m.set_type(pb::KEEPALIVE);
      m.set_interval(c.interval_s);
      api->StartTimer(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_PUBLISH: {
      auto& m = call->request.emplace<pb::PublishRequest>();
      m.set_conn(std::move(c.conn));
      m.set_topic(std::move(c.topic));
      m.set_qos(c.qos);
      m.set_payload(std::move(c.data));
      api->Publish(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_RAW_PUBLISH: {
      auto& m = call->request.emplace<pb::RawPublishRequest>();
      m.set_topic(std::move(c.topic));
      m.set_qos(c.qos);
      m.set_payload(std::move(c.data));
      api->RawPublish(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_SUBSCRIBE: {
      auto& m = call->request.emplace<pb::SubscribeRequest>();
      m.set_conn(std::move(c.conn));
      m.set_topic(std::move(c.topic));
      m.set_qos(c.qos);
      api->Subscribe(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
    case EXPROTO_CALL_UNSUBSCRIBE: {
      auto& m = call->request.emplace<pb::UnsubscribeRequest>();
      m.set_conn(std::move(c.conn));
      m.set_topic(std::move(c.topic));
      api->Unsubscribe(&call->ctx, &m, &call->resp, std::move(finish));
      return;
    }
  }
  finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown call kind"));
}

}  // namespace exproto::host
