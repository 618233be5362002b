#include "host/session/dispatcher.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "host/log/log_limiter.h"
#include "host/metrics/metrics.h"
#include "host/session/session.h"
#include "host/timers/timer_service.h"
#include "host/upstream/upstream.h"

namespace exproto::host {

namespace {
// Late events for a closed conn are recognised for this long (EMQX's flush bound is 15 s).
constexpr std::chrono::seconds kClosedMemory{60};
}  // namespace

Dispatcher::Dispatcher(SessionEnv env, RouteTable routes)
    : env_(std::move(env)), routes_(std::make_shared<const RouteTable>(std::move(routes))) {
  env_.on_finished = [this](const std::string& conn, const Session* s) { forget(conn, s); };
}

Dispatcher::~Dispatcher() {
  std::unordered_map<std::string_view, std::shared_ptr<Session>> sessions;
  std::unordered_map<std::string, Held> held;
  {
    std::lock_guard lk(mu_);
    for (auto& [conn, h] : held_) {
      env_.timers.cancel(h.expiry_timer);
      env_.budget->release(h.bytes);
    }
    held.swap(held_);
    held_order_.clear();
    held_total_ = 0;
    sessions.swap(sessions_);
  }
  // Sessions still referenced by queued work free their codec state when that work is done.
}

std::shared_ptr<const RouteTable> Dispatcher::routes() const {
  std::lock_guard lk(routes_mu_);
  return routes_;
}

void Dispatcher::set_routes(RouteTable routes) {
  auto fresh = std::make_shared<const RouteTable>(std::move(routes));
  std::lock_guard lk(routes_mu_);
  routes_.swap(fresh);
  // The old table is released outside the lock (as `fresh` leaves scope).
}

void Dispatcher::for_each_session(const std::function<void(Session&)>& fn) const {
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lk(mu_);
    all.reserve(sessions_.size());
    for (const auto& [conn, s] : sessions_) all.push_back(s);
  }
  for (const auto& s : all) fn(*s);
}

std::shared_ptr<Session> Dispatcher::find(const std::string& conn) const {
  std::lock_guard lk(mu_);
  auto it = sessions_.find(conn);
  return it == sessions_.end() ? nullptr : it->second;
}

std::size_t Dispatcher::session_count() const {
  std::lock_guard lk(mu_);
  return sessions_.size();
}

std::size_t Dispatcher::held_count() const {
  std::lock_guard lk(mu_);
  return held_total_;
}

std::size_t Dispatcher::recently_closed_count() const {
  std::lock_guard lk(mu_);
  return closed_.size();
}

void Dispatcher::set_draining() { draining_ = true; }

bool Dispatcher::wait_idle(std::chrono::steady_clock::time_point deadline) const {
  for (;;) {
    bool idle = true;
    for_each_session([&](Session& s) { idle = idle && s.idle(); });
    std::vector<std::shared_ptr<Session>> replaced;
    {
      std::lock_guard lk(mu_);
      for (const auto& w : replaced_)
        if (auto s = w.lock()) replaced.push_back(std::move(s));
    }
    for (const auto& s : replaced) idle = idle && s->idle();
    if (idle) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Dispatcher::release_acks() {
  for_each_session([](Session& s) { s.release_deferred_acks(); });
  std::vector<Ack> acks;
  {
    std::lock_guard lk(mu_);
    for (auto& [conn, h] : held_)
      for (auto& a : h.acks) acks.push_back(std::move(a));
  }
  // answered here, outside the lock
}

void Dispatcher::created(Origin /*origin*/, std::string conn, ConnMeta meta, Ack ack) {
  env_.metrics.events_received.inc();
  env_.metrics.events_by_kind[0].inc();
  if (draining_) {
    log_limited(*env_.log_limits, spdlog::level::info, "conn refused: shutting down",
                "OnSocketCreated for conn {} refused: exproto-host is shutting down", conn);
    ack.fail("exproto-host is shutting down");
    return;
  }
  const ListenerKey key{meta.sock_port, meta.socktype};
  // Looked up under the table lock: a reload swaps routes and then visits the sessions, so a
  // session is either visited or was created on the new generation.
  std::unique_lock lk(mu_);
  auto codec = routes()->find(key);
  if (auto it = sessions_.find(conn); it != sessions_.end()) {
    // EMQX created the conn again: its pid was reused after a close we never heard of. The old
    // session's codec state belongs to a device that is gone; it must not leak into the new one.
    auto stale = std::move(it->second);
    sessions_.erase(it);
    std::erase_if(replaced_, [](const std::weak_ptr<Session>& w) { return w.expired(); });
    replaced_.push_back(stale);
    stale->push(event::Closed{"host:replaced"});
    env_.metrics.sessions_replaced.inc();
    log_limited(*env_.log_limits, spdlog::level::warn, "session replaced",
                "OnSocketCreated for conn {} which already had a session (its OnSocketClosed was lost); the old "
                "session is closed and a new one opened",
                conn);
  }
  closed_.erase(conn);  // Erlang may recycle a pid; a new OnSocketCreated is authoritative
  Held held;
  if (auto it = held_.find(conn); it != held_.end()) {
    held = std::move(it->second);
    held_total_ -= held.events.size();
    held_order_.erase(held.order);
    held_.erase(it);
    env_.budget->release(held.bytes);
  }
  if (!codec) {
    remember_closed_locked(conn);
    lk.unlock();
    if (held.expiry_timer) env_.timers.cancel(held.expiry_timer);
    env_.metrics.unrouted_conns.inc();
    log_limited(*env_.log_limits, spdlog::level::err, "unrouted conn",
                "conn {} from {}:{} arrived on listener {}:{} which no route names; closing it", conn,
                meta.peer_host, meta.peer_port, to_string(meta.socktype), meta.sock_port);
    close_conn(conn, "unrouted");
    return;
  }
  auto session = Session::create(env_, conn, std::move(codec));
  sessions_.emplace(session->conn(), session);
  env_.metrics.sessions_opened.inc();
  env_.metrics.sessions_active.add(1);
  // Queued under the table lock so no other event of this conn can get in front of Opened.
  session->push(event::Opened{std::move(meta)});
  for (auto& ev : held.events) session->push(std::move(ev));
  lk.unlock();
  if (held.expiry_timer) env_.timers.cancel(held.expiry_timer);
  if (!held.events.empty()) spdlog::debug("conn {}: {} held events replayed after OnSocketCreated", conn, held.events.size());
  // `ack` and the held acks answer as they leave scope.
}

void Dispatcher::event(Origin origin, std::string conn, Event ev, Ack ack) {
  env_.metrics.events_received.inc();
  env_.metrics.events_by_kind[std::min(ev.index(), Metrics::kEventKinds - 1)].inc();
  if (auto s = find(conn)) {
    s->push(std::move(ev), std::move(ack), Session::Dispatch::inline_if_idle);
    return;
  }
  std::vector<GivenUp> given_up;
  std::unique_lock lk(mu_);
  if (auto it = sessions_.find(conn); it != sessions_.end()) {  // created meanwhile
    auto s = it->second;
    lk.unlock();
    s->push(std::move(ev), std::move(ack));
    return;
  }
  if (recently_closed_locked(conn)) {
    lk.unlock();
    env_.metrics.late_events.inc();
    spdlog::debug("{} for conn {} after it closed; dropped", event_name(ev), conn);
    return;
  }
  const bool closing = std::holds_alternative<event::Closed>(ev);
  if (closing) {
    // Closed before we ever saw it: nothing to clean up except held events.
    std::size_t dropped = 0;
    if (auto it = held_.find(conn); it != held_.end()) {
      GivenUp g = give_up_locked(it);
      dropped = g.events;
      given_up.push_back(std::move(g));
    }
    remember_closed_locked(conn);
    lk.unlock();
    // Its held events die with it; held acks answer OK (nothing to reject any more).
    for (auto& g : given_up) env_.timers.cancel(g.expiry_timer);
    spdlog::debug("OnSocketClosed for unknown conn {}; {} held events dropped", conn, dropped);
    return;
  }
  // Streaming events of one conn travel on different HTTP/2 streams and may overtake OnSocketCreated.
  if (origin == Origin::streaming && hold_locked(conn, ev, ack, given_up)) {
    lk.unlock();
    for (auto& g : given_up) resolve_given_up(std::move(g));
    return;
  }
  // The conn is given up here (no room to hold this event, or a unary one): events it still
  // holds go with it. Left behind they waited for an OnSocketCreated while its OnSocketClosed was
  // dropped as late, and their expiry applied the policy to the conn a second time (found by
  // fuzzing). Their answers are the policy's, like this event's.
  GivenUp dropped;
  if (auto it = held_.find(conn); it != held_.end()) dropped = give_up_locked(it);
  remember_closed_locked(conn);
  lk.unlock();
  for (auto& g : given_up) resolve_given_up(std::move(g));
  if (dropped.expiry_timer != 0) env_.timers.cancel(dropped.expiry_timer);
  env_.metrics.held_events_expired.inc(dropped.events);
  for (auto& a : dropped.acks) a.fail("exproto-host: unknown conn");  // held only under policy reject
  unknown(conn, event_name(ev), ack);
}

bool Dispatcher::hold_locked(const std::string& conn, Event& ev, Ack& ack, std::vector<GivenUp>& given_up) {
  if (env_.limits.stream_hold_ms == 0) return false;
  auto it = held_.find(conn);
  // One conn's share is bounded; past it the conn is given up (it is most likely stale).
  if (it != held_.end() && it->second.events.size() >= kMaxHeldPerConn) {
    GivenUp g = give_up_locked(it);
    g.why = "more events than one conn may hold";
    ++g.events;
    if (ack) g.acks.push_back(std::move(ack));  // answered with the others, by the policy
    given_up.push_back(std::move(g));
    return true;  // dealt with: the policy applies to the conn as a whole
  }
  const std::size_t bytes = event_payload_bytes(ev);
  // The budget is full: the conn held longest is the likeliest to be stale (after a host restart
  // EMQX sends events for every conn it has); it gives way so a new device can still be held.
  for (;;) {
    const bool room = held_total_ < env_.limits.max_held_events;
    if (room && env_.budget->reserve(bytes)) break;
    auto oldest = held_order_.begin();
    if (oldest == held_order_.end() || oldest->second == conn) return false;
    env_.metrics.held_events_evicted.inc(held_.at(oldest->second).events.size());
    given_up.push_back(give_up_locked(held_.find(oldest->second)));
    given_up.back().why = "evicted: the hold budget is full and newer conns need it";
  }
  auto [pos, fresh] = held_.try_emplace(conn);
  Held& h = pos->second;
  h.events.push_back(std::move(ev));
  h.bytes += bytes;
  // With policy reject the answer waits: rejecting needs the stream unanswered.
  if (env_.limits.unknown_conn == UnknownConnPolicy::reject && ack) h.acks.push_back(std::move(ack));
  ++held_total_;
  env_.metrics.held_events.inc();
  if (fresh) {
    h.order = next_held_order_++;
    held_order_.emplace(h.order, conn);
    h.expiry_timer = env_.timers.schedule(std::chrono::milliseconds(env_.limits.stream_hold_ms),
                                          [this, conn] { hold_expired(conn); });
  }
  return true;
}

Dispatcher::GivenUp Dispatcher::give_up_locked(std::unordered_map<std::string, Held>::iterator it) {
  GivenUp g{it->first, it->second.events.size(), std::move(it->second.acks), it->second.expiry_timer, {}};
  held_total_ -= it->second.events.size();
  env_.budget->release(it->second.bytes);
  held_order_.erase(it->second.order);
  held_.erase(it);
  remember_closed_locked(g.conn);
  return g;
}

void Dispatcher::resolve_given_up(GivenUp g) {
  const std::string& why = g.why;
  env_.timers.cancel(g.expiry_timer);
  env_.metrics.held_events_expired.inc(g.events);
  env_.metrics.unknown_conn_events.inc();
  switch (env_.limits.unknown_conn) {
    case UnknownConnPolicy::close:
      log_limited(*env_.log_limits, spdlog::level::warn, "held conn closed",
                  "{} events for conn {} got no OnSocketCreated ({}); closing it", g.events, g.conn, why);
      close_conn(g.conn, "no OnSocketCreated");
      break;
    case UnknownConnPolicy::ignore:
      log_limited(*env_.log_limits, spdlog::level::warn, "held conn ignored",
                  "{} events for conn {} got no OnSocketCreated ({}); dropped (sessions.unknown_conn = ignore)",
                  g.events, g.conn, why);
      break;
    case UnknownConnPolicy::reject:
      log_limited(*env_.log_limits, spdlog::level::warn, "held conn rejected",
                  "{} events for conn {} got no OnSocketCreated ({}); rejected (sessions.unknown_conn = reject)",
                  g.events, g.conn, why);
      for (auto& a : g.acks) a.fail("exproto-host: unknown conn");
      break;
  }
}

void Dispatcher::unknown(const std::string& conn, const char* what, Ack& ack) {
  env_.metrics.unknown_conn_events.inc();
  switch (env_.limits.unknown_conn) {
    case UnknownConnPolicy::close:
      log_limited(*env_.log_limits, spdlog::level::warn, "unknown conn closed",
                  "{} for unknown conn {} (no OnSocketCreated seen, e.g. after a host restart); closing it", what,
                  conn);
      close_conn(conn, "unknown conn");
      ack.ok();
      break;
    case UnknownConnPolicy::ignore:
      log_limited(*env_.log_limits, spdlog::level::warn, "unknown conn ignored",
                  "{} for unknown conn {}; ignored (sessions.unknown_conn = ignore)", what, conn);
      ack.ok();
      break;
    case UnknownConnPolicy::reject:
      log_limited(*env_.log_limits, spdlog::level::warn, "unknown conn rejected",
                  "{} for unknown conn {}; rejected (sessions.unknown_conn = reject)", what, conn);
      ack.fail("exproto-host: unknown conn");
      break;
  }
}

void Dispatcher::hold_expired(const std::string& conn) {
  GivenUp g;
  {
    std::lock_guard lk(mu_);
    auto it = held_.find(conn);
    if (it == held_.end()) return;
    g = give_up_locked(it);
  }
  g.expiry_timer = 0;  // it is the one firing
  g.why = fmt::format("waited {} ms", env_.limits.stream_hold_ms);
  resolve_given_up(std::move(g));
}

void Dispatcher::close_conn(const std::string& conn, const char* why) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_CLOSE;
  c.conn = conn;
  c.queued_at = std::chrono::steady_clock::now();
  env_.metrics.adapter_calls.inc();
  env_.upstream.call(std::move(c), [conn, why, &metrics = env_.metrics](UpstreamResult r) {
    if (r.code >= EXPROTO_RESULT_HOST_UNAVAILABLE) metrics.adapter_call_failures.inc();
    spdlog::debug("Close for {} conn {} answered {} {}", why, conn, r.code, r.message);
  });
}

void Dispatcher::forget(const std::string& conn, const Session* session) {
  std::shared_ptr<Session> gone;  // released outside the lock
  std::lock_guard lk(mu_);
  auto it = sessions_.find(conn);
  // A replaced session finishing must not take its successor with it.
  if (it == sessions_.end() || it->second.get() != session) return;
  gone = std::move(it->second);
  sessions_.erase(it);
  remember_closed_locked(conn);
}

void Dispatcher::prune_closed_locked(std::chrono::steady_clock::time_point now) {
  while (!closed_order_.empty() &&
         (now - closed_order_.front().second > kClosedMemory || closed_order_.size() > kClosedMemoryMax)) {
    auto& [c, t] = closed_order_.front();
    if (auto it = closed_.find(c); it != closed_.end() && it->second == t) closed_.erase(it);
    closed_order_.pop_front();
  }
  env_.metrics.recently_closed.set(static_cast<int64_t>(closed_.size()));
}

bool Dispatcher::recently_closed_locked(const std::string& conn) {
  prune_closed_locked(std::chrono::steady_clock::now());
  return closed_.contains(conn);
}

void Dispatcher::remember_closed_locked(const std::string& conn) {
  const auto now = std::chrono::steady_clock::now();
  closed_[conn] = now;
  closed_order_.emplace_back(conn, now);
  prune_closed_locked(now);
}

}  // namespace exproto::host
