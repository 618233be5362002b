#include "host/session/session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "host/log/log_context.h"
#include "host/log/log_limiter.h"
#include "host/metrics/metrics.h"
#include "host/session/call_sequencer.h"
#include "host/session/worker_pool.h"
#include "host/timers/timer_service.h"

namespace exproto::host {

namespace {
// Events one session handles before yielding its pool thread to other sessions.
constexpr int kBatch = 32;
// How long a session the host closed waits for EMQX's OnSocketClosed (EMQX force-closes after 15 s).
constexpr std::chrono::milliseconds kLinger{30000};

exproto_type_str view(const std::string& s) { return exproto_type_str{s.data(), s.size()}; }

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Events that come from EMQX about this conn: each proves EMQX still has it.
bool from_emqx(const Event& ev) {
  return std::holds_alternative<event::Opened>(ev) || std::holds_alternative<event::Bytes>(ev) ||
         std::holds_alternative<event::Messages>(ev) || std::holds_alternative<event::KeepaliveTimeout>(ev);
}

// The request id of the host's own calls (probes): never a codec's id, never shown to the codec.
constexpr uint64_t kHostRequestId = 0;

// Events an isolated codec may run several at once (HookRunner::start_hooks): those whose hook is
// all there is to them while the session is open. A result that says the conn is gone ends the
// session after its hook, so nothing may run after it.
constexpr std::size_t kMaxQueuedHooks = 16;
bool runs_queued(const Event& ev) {
  if (std::holds_alternative<event::Bytes>(ev) || std::holds_alternative<event::Messages>(ev)) return true;
  const auto* done = std::get_if<event::CallDone>(&ev);
  return done != nullptr && done->request_id != kHostRequestId;
}
bool ends_queued(const Event& ev) {
  const auto* done = std::get_if<event::CallDone>(&ev);
  return done != nullptr && done->code == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE;
}
}  // namespace

std::shared_ptr<Session> Session::create(const SessionEnv& env, std::string conn, std::shared_ptr<CodecInstance> codec) {
  auto s = std::make_shared<Session>(env, std::move(conn), std::move(codec));
  std::weak_ptr<Session> weak = s;
  s->calls_ = std::make_shared<CallSequencer>(
      env.upstream, env.budget, [weak](uint64_t id, int32_t kind, const UpstreamResult& r) {
        if (auto self = weak.lock())
          self->push(event::CallDone{id, kind, r.code, r.message, r.never_sent}, {}, Dispatch::inline_if_idle);
      });
  return s;
}

Session::Session(const SessionEnv& env, std::string conn, std::shared_ptr<CodecInstance> codec)
    : env_(env), conn_(std::move(conn)), codec_(std::move(codec)), last_alive_ms_(steady_ms()) {}

Session::~Session() {
  {
    std::lock_guard lk(mu_);
    clear_queue_locked();
  }
  // A session dropped while the codec still holds state (host shutdown) still frees that state.
  if (state_ != nullptr) codec_->hooks().on_session_close(state_, view(std::string("host:shutdown")));
}

void Session::push(Event ev, Ack ack, Dispatch how) {
  if (from_emqx(ev)) last_alive_ms_.store(steady_ms(), std::memory_order_relaxed);
  const std::size_t bytes = event_payload_bytes(ev);
  std::unique_lock lk(mu_);
  if (phase_ == Phase::finished) {
    lk.unlock();
    if (ack) env_.metrics.late_events.inc();
    return;  // `ack` answers OK as it goes out of scope
  }
  if (bytes != 0 && !env_.budget->reserve(bytes)) {
    // Dropping the event would leave the codec's stream of bytes with a hole: the conn must go.
    lk.unlock();
    env_.metrics.events_refused.inc();
    log_limited(*env_.log_limits, spdlog::level::warn, "event refused: host memory budget",
                "conn {}: {} of {} bytes refused, the host holds {} of sessions.max_total_queued_bytes {}; "
                "closing that connection",
                conn_, event_name(ev), bytes, env_.budget->used(), env_.budget->limit());
    ack.fail("exproto-host: memory budget exhausted");
    push(event::Restart{"host memory budget exhausted"});
    return;
  }
  queued_bytes_ += bytes;
  queue_.push_back(std::move(ev));
  if (ack) {
    if (over_limits_locked()) {
      env_.metrics.backpressure_waits.inc();
      deferred_acks_.push_back(std::move(ack));
    }
  }
  bool run_here = false;
  const bool isolated = codec_->runner() != nullptr;
  if (!scheduled_) {
    scheduled_ = true;
    // An isolated codec's bytes, messages and results go to its child without waiting for it
    // (run(false) sends them, and hands anything else to the pool); an in-process codec runs
    // here unless it once blocked.
    run_here = how == Dispatch::inline_if_idle && (isolated || env_.inline_policy->allows(codec_->library().name()));
    if (!run_here) env_.pool.post([self = shared_from_this()] { self->run(); });
  }
  lk.unlock();
  // `ack` (if not deferred) answers first: EMQX may send the next event while this one runs.
  ack = Ack{};
  if (run_here) {
    auto self = shared_from_this();  // the run may finish the session
    run(!isolated);
  }
}

bool Session::calls_over_limits_locked() const {
  const std::size_t calls_high_water = std::max<std::size_t>(1, env_.limits.max_pending_calls / 2);
  return calls_->pending() >= calls_high_water || calls_->pending_bytes() > env_.limits.max_queued_bytes / 2;
}

bool Session::over_limits_locked() const {
  return queue_.size() > env_.limits.max_queued_events || queued_bytes_ > env_.limits.max_queued_bytes ||
         calls_over_limits_locked() || env_.budget->under_pressure();
}

std::vector<Ack> Session::take_releasable_acks_locked() {
  std::vector<Ack> out;
  if (deferred_acks_.empty()) return out;
  // With its queue empty, only the session's own calls hold the answers back: their results come
  // back as events and look again. Host-wide pressure alone must not park an answer that nothing
  // would ever release.
  const bool release = phase_ == Phase::finished || (queue_.empty() ? !calls_over_limits_locked() : !over_limits_locked());
  if (release) out.swap(deferred_acks_);
  return out;
}

void Session::clear_queue_locked() {
  queue_.clear();
  env_.budget->release(std::exchange(queued_bytes_, 0));
}

void Session::run(bool blocking) {
  for (int n = 0; n < kBatch; ++n) {
    Event ev;
    std::size_t bytes = 0;
    std::vector<Ack> release;
    {
      std::lock_guard lk(mu_);
      if (queue_.empty()) break;
      if (codec_->runner() != nullptr && phase_ == Phase::open && runs_queued(queue_.front()) &&
          !ends_queued(queue_.front())) {
        // Each exchange with an isolated codec's child is a round trip: the events queued behind
        // this one go with it while they are hooks only.
        do {
          bytes += event_payload_bytes(queue_.front());
          in_child_.push_back(std::move(queue_.front()));
          queue_.pop_front();
        } while (!queue_.empty() && in_child_.size() < kMaxQueuedHooks && runs_queued(queue_.front()) &&
                 !ends_queued(in_child_.back()));
        queued_bytes_ -= bytes;
        in_child_bytes_ = bytes;
        release = take_releasable_acks_locked();
      } else if (!blocking) {
        // This thread must not wait (a transport's, a lane reader): the pool runs the rest.
        env_.pool.post([self = shared_from_this()] { self->run(); });
        return;
      } else {
        ev = std::move(queue_.front());
        queue_.pop_front();
        bytes = event_payload_bytes(ev);
        queued_bytes_ -= bytes;
        release = take_releasable_acks_locked();
      }
    }
    release.clear();  // answers EMQX
    if (!in_child_.empty()) {
      // The session goes on in hooks_done (possibly on another thread before this returns).
      if (start_child_hooks()) return;
      continue;
    }
    {
      // Every line logged while this event is handled carries codec, conn and event (log.format json).
      ScopedLogContext context({codec_->library().name(), conn_, event_name(ev)});
      process(ev);
    }
    close_if_hook_overran();
    env_.budget->release(bytes);
  }
  std::vector<Ack> release;
  std::unique_lock lk(mu_);
  release = take_releasable_acks_locked();
  if (!queue_.empty() && phase_ != Phase::finished) {
    env_.pool.post([self = shared_from_this()] { self->run(); });
  } else {
    scheduled_ = false;
    if (phase_ == Phase::finished) clear_queue_locked();
  }
  lk.unlock();
}

bool Session::in_hook() const { return hook_thread_.load() == std::this_thread::get_id(); }

// on_session_open may already act (greet the device, start a timer).
bool Session::accepts_calls() const { return phase_ == Phase::open || phase_ == Phase::opening; }

namespace {
// Marks the current thread as running a hook of this session, for the host API's checks and for
// the pool's watchdog; notes in `overran` whether the watchdog saw the hook past its limit.
class HookScope {
 public:
  HookScope(std::atomic<std::thread::id>& slot, bool& overran, WorkerPool& pool, Histogram& durations,
            const std::string& codec, const std::string& conn)
      : slot_(slot), overran_(overran), durations_(durations), timer_(pool, codec, conn, started_) {
    slot_.store(std::this_thread::get_id());
  }
  ~HookScope() {
    durations_.observe(std::chrono::steady_clock::now() - started_);
    if (timer_.finish()) overran_ = true;
    slot_.store(std::thread::id{});
  }
  HookScope(const HookScope&) = delete;
  HookScope& operator=(const HookScope&) = delete;

 private:
  std::atomic<std::thread::id>& slot_;
  bool& overran_;
  Histogram& durations_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  WorkerPool::HookTimer timer_;
};
}  // namespace

void Session::process(Event& ev) {
  const Phase phase = phase_.load();
  if (phase == Phase::finished) return;
  if (auto* closed = std::get_if<event::Closed>(&ev)) {
    on_closed(closed->reason);
    return;
  }
  if (auto* opened = std::get_if<event::Opened>(&ev)) {
    if (phase == Phase::opening) on_opened(*opened);
    return;
  }
  if (auto* done = std::get_if<event::CallDone>(&ev)) {
    on_call_done(*done);
    return;
  }
  if (auto* migrate = std::get_if<event::Migrate>(&ev)) {
    on_migrate(*migrate);
    return;
  }
  if (auto* restart = std::get_if<event::Restart>(&ev)) {
    on_restart(*restart);
    return;
  }
  if (std::holds_alternative<event::Probe>(ev)) {
    on_probe();
    return;
  }
  if (phase != Phase::open) {
    // The codec side is gone (failed hook); EMQX is closing the conn. Internal events just vanish.
    if (std::holds_alternative<event::Bytes>(ev) || std::holds_alternative<event::Messages>(ev) ||
        std::holds_alternative<event::KeepaliveTimeout>(ev))
      env_.metrics.late_events.inc();
    return;
  }
  const auto& hooks = codec_->hooks();
  HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
  std::visit(
      [&](auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, event::Bytes>) {
          const exproto_type_bytes data{reinterpret_cast<const uint8_t*>(e.data.data()), e.data.size()};
          check_status(hooks.on_session_bytes(state_, data), "on_session_bytes");
        } else if constexpr (std::is_same_v<T, event::Messages>) {
          std::vector<exproto_type_message> msgs;
          msgs.reserve(e.messages.size());
          for (const auto& m : e.messages) {
            msgs.push_back(exproto_type_message{
                sizeof(exproto_type_message), view(m.node), view(m.id), m.qos, view(m.from), view(m.topic),
                exproto_type_bytes{reinterpret_cast<const uint8_t*>(m.payload.data()), m.payload.size()},
                m.timestamp_ms});
          }
          check_status(hooks.on_session_messages(state_, msgs.data(), msgs.size()), "on_session_messages");
        } else if constexpr (std::is_same_v<T, event::KeepaliveTimeout>) {
          check_status(hooks.on_session_keepalive_timeout(state_), "on_session_keepalive_timeout");
        } else if constexpr (std::is_same_v<T, event::TimerFired>) {
          // A timer cancelled after it fired but before this event ran must stay silent.
          if (timers_.erase(e.timer_id) == 0) return;
          env_.metrics.timers_fired.inc();
          check_status(hooks.on_session_timer(state_, e.timer_id, e.tag), "on_session_timer");
        }
      },
      ev);
}

bool Session::start_child_hooks() {
  // Views the hooks read while the frame is written; `results` and `messages` are sized first so
  // that nothing moves.
  const std::size_t n = in_child_.size();
  std::vector<exproto_type_call_result> results(n);
  std::vector<std::vector<exproto_type_message>> messages(n);
  std::vector<QueuedHook> hooks;
  hooks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    QueuedHook h;
    if (const auto* b = std::get_if<event::Bytes>(&in_child_[i])) {
      h.kind = QueuedHook::Kind::bytes;
      h.data = exproto_type_bytes{reinterpret_cast<const uint8_t*>(b->data.data()), b->data.size()};
    } else if (const auto* m = std::get_if<event::Messages>(&in_child_[i])) {
      h.kind = QueuedHook::Kind::messages;
      for (const auto& msg : m->messages) {
        messages[i].push_back(exproto_type_message{
            sizeof(exproto_type_message), view(msg.node), view(msg.id), msg.qos, view(msg.from), view(msg.topic),
            exproto_type_bytes{reinterpret_cast<const uint8_t*>(msg.payload.data()), msg.payload.size()},
            msg.timestamp_ms});
      }
      h.messages = messages[i].data();
      h.count = messages[i].size();
    } else {
      const auto& d = std::get<event::CallDone>(in_child_[i]);
      h.kind = QueuedHook::Kind::result;
      results[i] = exproto_type_call_result{sizeof(exproto_type_call_result), d.request_id, d.kind, d.code,
                                            view(d.message)};
      h.result = &results[i];
    }
    hooks.push_back(h);
  }
  env_.metrics.isolated_queued_hooks.inc(n - 1);
  in_child_since_ = std::chrono::steady_clock::now();
  {
    ScopedLogContext context({codec_->library().name(), conn_, event_name(in_child_.front())});
    // From here on the session belongs to the child's lane until hooks_done.
    if (codec_->runner()->start_hooks(state_, hooks, std::shared_ptr<HookWaiter>(shared_from_this(), this))) {
      return true;
    }
  }
  // The child is gone: the first hook fails, as a hook on a dead child does, and the session closes.
  std::vector<exproto_type_status> statuses(n, kHookNotRun);
  statuses[0] = EXPROTO_STATUS_ERROR;
  finish_child_hooks(statuses);
  return false;
}

void Session::calls_on_this_thread(bool on) {
  hook_thread_.store(on ? std::this_thread::get_id() : std::thread::id{});
}

void Session::hooks_done(std::span<const exproto_type_status> statuses) {
  env_.metrics.hook_seconds.observe(std::chrono::steady_clock::now() - in_child_since_);
  const bool all_ok = std::all_of(statuses.begin(), statuses.end(), [](auto st) { return st == EXPROTO_STATUS_OK; });
  const bool ends = std::any_of(in_child_.begin(), in_child_.end(), ends_queued);
  auto self = shared_from_this();
  if (all_ok && !ends) {
    // Nothing of it waits on anyone: the session goes on here, and sends its next hooks from the
    // lane's reader (run(false) hands everything else to the pool).
    finish_child_hooks(statuses);
    run(false);
    return;
  }
  // A failed hook closes the session (on_session_close is a round trip to the child): the pool.
  env_.pool.post([self, kept = std::vector<exproto_type_status>(statuses.begin(), statuses.end())] {
    self->finish_child_hooks(kept);
    self->run();
  });
}

void Session::finish_child_hooks(std::span<const exproto_type_status> statuses) {
  ScopedLogContext context({codec_->library().name(), conn_, event_name(in_child_.front())});
  for (std::size_t i = 0; i < in_child_.size(); ++i) {
    Event& ev = in_child_[i];
    if (statuses[i] == kHookNotRun) {
      process(ev);  // the session is closing now: the event takes its usual way out
      continue;
    }
    if (std::holds_alternative<event::Bytes>(ev)) {
      check_status(statuses[i], "on_session_bytes");
    } else if (std::holds_alternative<event::Messages>(ev)) {
      check_status(statuses[i], "on_session_messages");
    } else {
      const auto& d = std::get<event::CallDone>(ev);
      note_call_done(d);
      if (check_status(statuses[i], "on_session_result")) after_result(d);
    }
  }
  in_child_.clear();
  env_.budget->release(std::exchange(in_child_bytes_, 0));
}

void Session::close_if_hook_overran() {
  if (!std::exchange(hook_overran_, false)) return;
  // A codec that blocked once may block again: never on the transport's threads.
  if (env_.inline_policy->demote(codec_->library().name())) {
    spdlog::warn("codec '{}' overran sessions.hook_timeout_ms: its hooks run on the worker pool from now on",
                 codec_->library().name());
  }
  if (phase_ != Phase::open) return;
  spdlog::error("conn {}: codec '{}' hook returned after running past sessions.hook_timeout_ms ({} ms); closing "
                "that connection",
                conn_, codec_->library().name(), env_.limits.hook_timeout_ms);
  env_.metrics.codec_failures.inc();
  close_from_host("hook ran past sessions.hook_timeout_ms");
}

exproto_type_conninfo Session::conninfo() const {
  const auto& m = meta_;
  return exproto_type_conninfo{sizeof(exproto_type_conninfo),
                               static_cast<int32_t>(m.socktype),
                               view(m.peer_host),
                               m.peer_port,
                               view(m.sock_host),
                               m.sock_port,
                               view(m.cert_cn),
                               view(m.cert_dn)};
}

std::shared_ptr<CodecInstance> Session::codec_snapshot() const {
  std::lock_guard lk(mu_);
  return codec_;
}

void Session::on_opened(event::Opened& e) {
  meta_ = std::move(e.meta);
  const auto& m = meta_;
  const exproto_type_conninfo info = conninfo();
  exproto_type_session_codec_ptr state = nullptr;
  exproto_type_status st;
  {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    st = codec_->hooks().on_session_open(codec_->handle(), this, view(conn_), &info, &state);
  }
  if (st != EXPROTO_STATUS_OK || state == nullptr) {
    env_.metrics.codec_failures.inc();
    env_.metrics.hook_errors.inc({codec_->library().name(), "on_session_open"});
    // Limited: a broken codec refuses every device, and a fleet reconnecting would write one line each.
    log_limited(*env_.log_limits, spdlog::level::err, "codec refused conn",
                "codec '{}' refused conn {} (on_session_open status {}); closing it", codec_->library().name(), conn_, st);
    phase_ = Phase::codec_closed;
    close_from_host("session open failed");
    return;
  }
  state_ = state;
  phase_ = Phase::open;
  spdlog::debug("conn {} opened on codec '{}' (peer {}:{}, listener {}:{})", conn_, codec_->library().name(),
                m.peer_host, m.peer_port, to_string(m.socktype), m.sock_port);
}

bool Session::check_status(exproto_type_status st, const char* hook) {
  if (st == EXPROTO_STATUS_OK) return true;
  env_.metrics.codec_failures.inc();
  env_.metrics.hook_errors.inc({codec_->library().name(), hook});
  log_limited(*env_.log_limits, spdlog::level::warn, "codec hook failed",
              "codec '{}' {} failed with status {} on conn {}; closing that connection", codec_->library().name(), hook,
              st, conn_);
  close_from_host(fmt::format("{} failed with status {}", hook, st));
  return false;
}

void Session::close_from_host(const std::string& why) {
  cancel_all_timers();
  if (state_ != nullptr) {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    codec_->hooks().on_session_close(state_, view("host:" + why));
    state_ = nullptr;
  }
  phase_ = Phase::codec_closed;
  UpstreamCall close;
  close.kind = EXPROTO_CALL_CLOSE;
  close.conn = conn_;
  env_.metrics.adapter_calls.inc();
  calls_->push(next_request_id_++, std::move(close));
  // If EMQX's OnSocketClosed is lost, do not keep the session forever.
  std::weak_ptr<Session> weak = weak_from_this();
  linger_timer_ = env_.timers.schedule(kLinger, [weak] {
    if (auto self = weak.lock()) self->push(event::Closed{"host:linger_expired"});
  });
}

void Session::on_closed(const std::string& reason) {
  cancel_all_timers();
  if (state_ != nullptr) {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    codec_->hooks().on_session_close(state_, view(reason));
    state_ = nullptr;
  }
  spdlog::debug("conn {} closed: {}", conn_, reason);
  finish();
}

void Session::note_call_done(const event::CallDone& e) {
  const bool probe = e.request_id == kHostRequestId;
  if (e.never_sent) {
    // Logged and counted as a refused call when it was refused (api_call_from_child).
  } else if (e.code >= EXPROTO_RESULT_HOST_UNAVAILABLE) {
    env_.metrics.adapter_call_failures.inc();
    // During an outage every session fails the same way at once: one line per kind, then a count.
    log_limited(*env_.log_limits, spdlog::level::warn, "adapter call failed",
                "conn {}: {} failed before {} answered (code {}): {}", conn_,
                probe ? "liveness probe" : call_kind_name(e.kind), env_.upstream_name, e.code, e.message);
  } else {
    if (e.code != EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE) last_alive_ms_.store(steady_ms(), std::memory_order_relaxed);
    if (e.code != EXPROTO_RESULT_SUCCESS && !probe) {
      env_.metrics.adapter_results_not_success.inc();
      spdlog::debug("conn {}: {} answered code {} {}", conn_, call_kind_name(e.kind), e.code, e.message);
    }
  }
}

void Session::on_call_done(event::CallDone& e) {
  note_call_done(e);
  if (e.request_id == kHostRequestId) {
    probe_outstanding_ = false;
    // No answer is no news: a sweep under load must not leave a forgotten session for a whole
    // probe_idle_s, so it is asked again shortly.
    if (e.code >= EXPROTO_RESULT_HOST_UNAVAILABLE && phase_ != Phase::finished && env_.reprobe) {
      env_.reprobe(weak_from_this());
    }
    if (e.code == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE && phase_ != Phase::finished) {
      env_.metrics.sessions_swept.inc();
      log_limited(*env_.log_limits, spdlog::level::info, "session swept",
                  "conn {}: EMQX no longer has it (liveness probe answered CONN_PROCESS_NOT_ALIVE); session ended",
                  conn_);
      on_closed("host:conn_process_not_alive");
    }
    return;
  }
  if (phase_ == Phase::open) {
    const exproto_type_call_result r{sizeof(exproto_type_call_result), e.request_id, e.kind, e.code,
                                     view(e.message)};
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    if (!check_status(codec_->hooks().on_session_result(state_, &r), "on_session_result")) return;
  }
  after_result(e);
}

void Session::after_result(const event::CallDone& e) {
  if (e.code == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE && phase_ != Phase::finished) {
    // OnSocketClosed may never come (EMQX drops it when the process dies mid-call).
    env_.metrics.conn_process_gone.inc();
    calls_->drop_queued();
    on_closed("host:conn_process_not_alive");
  }
}

namespace {
// Bound on one session's exported state: a migration must not let a codec balloon host memory.
constexpr std::size_t kMaxExportedState = 4 * 1024 * 1024;

struct StateSink {
  std::string bytes;
  static bool write(exproto_type_codec_host_ptr self, exproto_type_bytes chunk) {
    auto& sink = *static_cast<StateSink*>(self);
    if (sink.bytes.size() + chunk.len > kMaxExportedState) return false;
    if (chunk.len != 0) sink.bytes.append(reinterpret_cast<const char*>(chunk.ptr), chunk.len);
    return true;
  }
};
}  // namespace

std::expected<void, std::string> Session::migrate_to(const std::shared_ptr<CodecInstance>& target) {
  const auto& from = codec_->hooks();
  const auto& to = target->hooks();
  // a state means something only to the codec that wrote it
  if (target->library().name() != codec_->library().name()) {
    return std::unexpected("the route now uses codec '" + target->library().name() + "'");
  }
  if (from.on_session_export == nullptr) return std::unexpected("its generation has no on_session_export");
  if (to.on_session_import == nullptr) return std::unexpected("the new generation has no on_session_import");
  StateSink sink;
  const exproto_type_state_writer writer{sizeof(exproto_type_state_writer), &sink, &StateSink::write};
  exproto_type_status st;
  {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    st = from.on_session_export(state_, &writer);
  }
  if (st != EXPROTO_STATUS_OK) return std::unexpected(fmt::format("on_session_export status {}", st));
  const exproto_type_conninfo info = conninfo();
  const exproto_type_bytes bytes{reinterpret_cast<const uint8_t*>(sink.bytes.data()), sink.bytes.size()};
  exproto_type_session_codec_ptr imported = nullptr;
  {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    st = to.on_session_import(target->handle(), this, view(conn_), &info, bytes, &imported);
  }
  if (st != EXPROTO_STATUS_OK || imported == nullptr) {
    return std::unexpected(fmt::format("on_session_import status {}", st));
  }
  {
    HookScope scope(hook_thread_, hook_overran_, env_.pool, env_.metrics.hook_seconds, codec_->library().name(), conn_);
    from.on_session_close(state_, view(std::string("host:migrated")));
  }
  state_ = imported;
  // The old instance is released by its last holder; the reloader keeps one so that
  // on_codec_destroy and the unload happen on the control thread.
  std::lock_guard lk(mu_);
  codec_ = target;
  return {};
}

void Session::on_migrate(event::Migrate& m) {
  if (phase_ != Phase::open || !m.target || m.target == codec_) return;
  const std::string from_version = codec_->library().version();
  auto moved = migrate_to(m.target);
  if (moved) {
    env_.metrics.sessions_migrated.inc();
    spdlog::debug("conn {} migrated from codec '{}' {} to {}", conn_, codec_->library().name(), from_version,
                  m.target->library().version());
    return;
  }
  env_.metrics.migrate_failures.inc();
  if (m.close_if_stuck) {
    spdlog::warn("conn {} cannot migrate to codec '{}' {} ({}) and its drain deadline passed; closing it", conn_,
                 m.target->library().name(), m.target->library().version(), moved.error());
    env_.metrics.sessions_restarted.inc();
    close_from_host("codec reloaded, drain deadline passed");
    return;
  }
  spdlog::warn("conn {} stays on codec '{}' {}: cannot migrate to {} ({})", conn_, codec_->library().name(),
               from_version, m.target->library().version(), moved.error());
}

void Session::on_restart(const event::Restart& r) {
  if (phase_ != Phase::open) return;
  env_.metrics.sessions_restarted.inc();
  spdlog::info("conn {}: closing it so the device reconnects ({})", conn_, r.why);
  close_from_host(r.why);
}

bool Session::idle() const {
  std::lock_guard lk(mu_);
  return queue_.empty() && !scheduled_ && calls_->pending() == 0;
}

void Session::release_deferred_acks() {
  std::vector<Ack> release;
  std::lock_guard lk(mu_);
  release.swap(deferred_acks_);
  // answered as `release` leaves scope, after the lock (declared first, destroyed last)
}

void Session::probe() {
  if (probe_outstanding_.exchange(true)) return;
  push(event::Probe{});
}

void Session::on_probe() {
  // Calls in flight answer the same question; a finished session has nothing to ask about.
  if (phase_ == Phase::finished || calls_->pending() != 0) {
    probe_outstanding_ = false;
    return;
  }
  UpstreamCall send;
  send.kind = EXPROTO_CALL_SEND;
  send.conn = conn_;  // zero bytes: EMQX writes nothing to the device and answers whether the conn exists
  env_.metrics.probes_sent.inc();
  calls_->push(kHostRequestId, std::move(send));
}

void Session::cancel_all_timers() {
  for (const auto& [local, service] : timers_) env_.timers.cancel(service);
  timers_.clear();
  if (linger_timer_ != 0) env_.timers.cancel(std::exchange(linger_timer_, 0));
}

void Session::finish() {
  cancel_all_timers();
  // Calls of a conn that is gone are never sent (the one in flight completes into a dead session).
  if (const std::size_t dropped = calls_->drop_queued(); dropped != 0) env_.metrics.adapter_calls_dropped.inc(dropped);
  std::vector<Ack> release;
  {
    std::lock_guard lk(mu_);
    phase_ = Phase::finished;
    release.swap(deferred_acks_);
  }
  env_.metrics.sessions_closed.inc();
  env_.metrics.sessions_active.add(-1);
  if (env_.on_finished) env_.on_finished(conn_, this);
}

// ---- host API targets -------------------------------------------------------------------------

std::optional<std::string> Session::call_refusal(const UpstreamCall& call, std::size_t bytes) {
  const char* what = call_kind_name(call.kind);
  if (!in_hook()) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::error("codec '{}' called {} for conn {} outside one of its hooks; refused", codec_->library().name(),
                  what, conn_);
    return "called outside one of the session's hooks";
  }
  if (!accepts_calls()) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::warn("codec '{}' called {} for conn {} while it is closing; refused", codec_->library().name(), what,
                 conn_);
    return "the session is closing";
  }
  if (call.qos > 2) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::warn("codec '{}' called {} with qos {} for conn {}; qos must be 0..2; refused",
                 codec_->library().name(), what, call.qos, conn_);
    return fmt::format("qos {} (must be 0..2)", call.qos);
  }
  if (calls_->pending() >= env_.limits.max_pending_calls) {
    env_.metrics.codec_refused_calls.inc();
    log_limited(*env_.log_limits, spdlog::level::warn, "call refused: max_pending_calls",
                "conn {}: {} refused, {} calls already pending (sessions.max_pending_calls)", conn_, what,
                env_.limits.max_pending_calls);
    return fmt::format("{} calls already pending (sessions.max_pending_calls)", env_.limits.max_pending_calls);
  }
  if (calls_->pending_bytes() + bytes > env_.limits.max_queued_bytes) {
    env_.metrics.codec_refused_calls.inc();
    log_limited(*env_.log_limits, spdlog::level::warn, "call refused: max_queued_bytes",
                "conn {}: {} of {} bytes refused, {} bytes of calls already pending (sessions.max_queued_bytes {})",
                conn_, what, bytes, calls_->pending_bytes(), env_.limits.max_queued_bytes);
    return fmt::format("{} bytes of calls already pending (sessions.max_queued_bytes {})", calls_->pending_bytes(),
                       env_.limits.max_queued_bytes);
  }
  if (!env_.budget->reserve(bytes)) {
    env_.metrics.codec_refused_calls.inc();
    log_limited(*env_.log_limits, spdlog::level::warn, "call refused: host memory budget",
                "conn {}: {} of {} bytes refused, the host holds {} of sessions.max_total_queued_bytes {}", conn_,
                what, bytes, env_.budget->used(), env_.budget->limit());
    return fmt::format("host memory budget exhausted (sessions.max_total_queued_bytes {})", env_.budget->limit());
  }
  return std::nullopt;
}

uint64_t Session::api_call(UpstreamCall call) {
  const std::size_t bytes = upstream_call_bytes(call);
  if (call_refusal(call, bytes)) return 0;
  call.conn = conn_;
  const uint64_t id = next_request_id_++;
  env_.metrics.adapter_calls.inc();
  calls_->push(id, std::move(call));
  return id;
}

Session::ChildCall Session::api_call_from_child(UpstreamCall call, uint64_t id) {
  if (id != 0 && id != next_request_id_) return ChildCall::out_of_step;
  // The child refuses on its own only what it can tell as surely as the host (qos > 2): the host
  // must agree, and logs and counts it as for any codec.
  if (id == 0) return call.qos > 2 && call_refusal(call, 0) ? ChildCall::refused : ChildCall::out_of_step;
  const std::size_t bytes = upstream_call_bytes(call);
  auto refusal = call_refusal(call, bytes);
  if (!refusal) {
    call.conn = conn_;
    ++next_request_id_;
    env_.metrics.adapter_calls.inc();
    calls_->push(id, std::move(call));
    return ChildCall::taken;
  }
  // The codec already holds `id`. Refused calls queue (without payload) so that their results
  // keep the order of the calls; a codec that keeps calling into a full queue would grow them
  // without bound, so past max_pending_calls refusals the hook fails and the session closes.
  ++next_request_id_;  // the codec holds it, whatever comes of it
  if (calls_->pending() >= 2 * std::max<std::size_t>(1, env_.limits.max_pending_calls)) return ChildCall::flooding;
  calls_->push_refused(id, call.kind, "exproto-host refused the call: " + *refusal);
  return ChildCall::refused;
}

uint64_t Session::api_timer_start(uint64_t delay_ms, uint64_t tag) {
  if (!in_hook() || !accepts_calls()) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::warn("codec '{}' started a timer for conn {} outside a hook or while closing; refused",
                 codec_->library().name(), conn_);
    return 0;
  }
  if (timers_.size() >= env_.limits.max_timers) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::warn("conn {}: timer refused, {} timers already running (sessions.max_timers)", conn_,
                 env_.limits.max_timers);
    return 0;
  }
  // Past the bound a milliseconds count wraps negative in the clock arithmetic and fires at once.
  if (delay_ms > EXPROTO_TIMER_MAX_DELAY_MS) {
    env_.metrics.codec_refused_calls.inc();
    spdlog::warn("codec '{}' asked conn {} for a timer of {} ms; refused, the longest is {} ms "
                 "(EXPROTO_TIMER_MAX_DELAY_MS)",
                 codec_->library().name(), conn_, delay_ms, EXPROTO_TIMER_MAX_DELAY_MS);
    return 0;
  }
  const uint64_t id = next_timer_id_++;
  std::weak_ptr<Session> weak = weak_from_this();
  const uint64_t service_id = env_.timers.schedule(std::chrono::milliseconds(delay_ms), [weak, id, tag] {
    if (auto self = weak.lock()) self->push(event::TimerFired{id, tag});
  });
  timers_.emplace(id, service_id);
  return id;
}

Session::ChildCall Session::api_timer_start_from_child(uint64_t delay_ms, uint64_t tag, uint64_t id) {
  if (id != 0 && id != next_timer_id_) return ChildCall::out_of_step;
  // The child keeps the same count of running timers against the same limit: it refuses (id 0)
  // exactly when the host would, and the host logs and counts that refusal.
  if (id == 0) {
    if (timers_.size() < env_.limits.max_timers && delay_ms <= EXPROTO_TIMER_MAX_DELAY_MS && in_hook() &&
        accepts_calls()) {
      return ChildCall::out_of_step;
    }
    api_timer_start(delay_ms, tag);
    return ChildCall::refused;
  }
  if (api_timer_start(delay_ms, tag) != 0) return ChildCall::taken;
  // Refused for a reason the child cannot see (a hook run outside the session's strand, e.g. at
  // host shutdown): the id stays used, and that timer never fires, as for a session closing.
  next_timer_id_ = id + 1;
  return ChildCall::refused;
}

bool Session::api_timer_cancel(uint64_t timer_id) {
  if (!in_hook()) return false;
  auto it = timers_.find(timer_id);
  if (it == timers_.end()) return false;
  env_.timers.cancel(it->second);
  timers_.erase(it);
  return true;
}

void Session::api_log(int32_t level, std::string_view msg) {
  const auto lvl = level <= EXPROTO_LOG_TRACE   ? spdlog::level::trace
                   : level == EXPROTO_LOG_DEBUG ? spdlog::level::debug
                   : level == EXPROTO_LOG_INFO  ? spdlog::level::info
                   : level == EXPROTO_LOG_WARN  ? spdlog::level::warn
                                                : spdlog::level::err;
  spdlog::log(lvl, "[{} {}] {}", codec_->library().name(), conn_, msg);
}

}  // namespace exproto::host
