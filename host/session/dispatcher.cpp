#include "host/session/dispatcher.h"

#include <spdlog/spdlog.h>

#include "host/metrics/metrics.h"
#include "host/session/session.h"
#include "host/timers/timer_service.h"
#include "host/upstream/upstream.h"

namespace exproto::host {

namespace {
// Late events for a closed conn are recognised for this long (EMQX's flush bound is 15 s).
constexpr std::chrono::seconds kClosedMemory{60};
constexpr std::size_t kClosedMemoryMax = 200000;
}  // namespace

Dispatcher::Dispatcher(SessionEnv env, RouteTable routes)
    : env_(std::move(env)), routes_(std::make_shared<const RouteTable>(std::move(routes))) {
  env_.on_finished = [this](const std::string& conn) { forget(conn); };
}

Dispatcher::~Dispatcher() {
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lk(mu_);
    for (auto& [conn, h] : held_) env_.timers.cancel(h.expiry_timer);
    held_.clear();
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

void Dispatcher::created(Origin /*origin*/, std::string conn, ConnMeta meta, Ack ack) {
  env_.metrics.events_received.inc();
  const ListenerKey key{meta.sock_port, meta.socktype};
  // Looked up under the table lock: a reload swaps routes and then visits the sessions, so a
  // session is either visited or was created on the new generation.
  std::unique_lock lk(mu_);
  auto codec = routes()->find(key);
  if (sessions_.contains(conn)) {
    lk.unlock();
    spdlog::warn("OnSocketCreated for conn {} which already has a session; ignored", conn);
    return;
  }
  closed_.erase(conn);  // Erlang may recycle a pid; a new OnSocketCreated is authoritative
  Held held;
  if (auto it = held_.find(conn); it != held_.end()) {
    held = std::move(it->second);
    held_total_ -= held.events.size();
    held_.erase(it);
  }
  if (!codec) {
    remember_closed_locked(conn);
    lk.unlock();
    if (held.expiry_timer) env_.timers.cancel(held.expiry_timer);
    env_.metrics.unrouted_conns.inc();
    spdlog::error("conn {} from {}:{} arrived on listener {}:{} which no route names; closing it", conn,
                  meta.peer_host, meta.peer_port, to_string(meta.socktype), meta.sock_port);
    close_conn(conn, "unrouted");
    return;
  }
  auto session = Session::create(env_, conn, std::move(codec));
  sessions_.emplace(conn, session);
  env_.metrics.sessions_opened.inc();
  env_.metrics.sessions_active.add(1);
  // Queued under the table lock so no other event of this conn can get in front of Opened.
  session->push(event::Opened{std::move(meta)});
  for (auto& ev : held.events) session->push(std::move(ev));
  lk.unlock();
  if (held.expiry_timer) env_.timers.cancel(held.expiry_timer);
  if (!held.events.empty()) spdlog::debug("conn {}: {} held events replayed after OnSocketCreated", conn, held.events.size());
  // `ack` answers as it leaves scope.
}

void Dispatcher::event(Origin origin, std::string conn, Event ev, Ack ack) {
  env_.metrics.events_received.inc();
  if (auto s = find(conn)) {
    s->push(std::move(ev), std::move(ack));
    return;
  }
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
  if (origin == Origin::streaming && !closing && held_total_ < env_.limits.max_held_events) {
    // Streaming events of one conn travel on different HTTP/2 streams and may overtake OnSocketCreated.
    auto [it, fresh] = held_.try_emplace(conn);
    it->second.events.push_back(std::move(ev));
    ++held_total_;
    env_.metrics.held_events.inc();
    if (fresh) {
      it->second.expiry_timer = env_.timers.schedule(std::chrono::milliseconds(env_.limits.stream_hold_ms),
                                                     [this, conn] { hold_expired(conn); });
    }
    return;
  }
  if (closing) {
    // Closed before we ever saw it: nothing to clean up except held events.
    if (auto it = held_.find(conn); it != held_.end()) {
      held_total_ -= it->second.events.size();
      env_.timers.cancel(it->second.expiry_timer);
      held_.erase(it);
    }
    remember_closed_locked(conn);
    lk.unlock();
    spdlog::debug("OnSocketClosed for unknown conn {}; nothing to do", conn);
    return;
  }
  remember_closed_locked(conn);
  lk.unlock();
  unknown(conn, event_name(ev), ack);
}

void Dispatcher::unknown(const std::string& conn, const char* what, Ack& ack) {
  env_.metrics.unknown_conn_events.inc();
  switch (env_.limits.unknown_conn) {
    case UnknownConnPolicy::close:
      spdlog::warn("{} for unknown conn {} (no OnSocketCreated seen, e.g. after a host restart); closing it", what,
                   conn);
      close_conn(conn, "unknown conn");
      ack.ok();
      break;
    case UnknownConnPolicy::ignore:
      spdlog::warn("{} for unknown conn {}; ignored (sessions.unknown_conn = ignore)", what, conn);
      ack.ok();
      break;
    case UnknownConnPolicy::reject:
      spdlog::warn("{} for unknown conn {}; rejected (sessions.unknown_conn = reject)", what, conn);
      ack.fail("exproto-host: unknown conn");
      break;
  }
}

void Dispatcher::hold_expired(const std::string& conn) {
  Held held;
  {
    std::lock_guard lk(mu_);
    auto it = held_.find(conn);
    if (it == held_.end()) return;
    held = std::move(it->second);
    held_total_ -= held.events.size();
    held_.erase(it);
    remember_closed_locked(conn);
  }
  env_.metrics.held_events_expired.inc(held.events.size());
  env_.metrics.unknown_conn_events.inc();
  spdlog::warn("{} events for conn {} waited {} ms for its OnSocketCreated, which never came; closing it",
               held.events.size(), conn, env_.limits.stream_hold_ms);
  close_conn(conn, "no OnSocketCreated");
}

void Dispatcher::close_conn(const std::string& conn, const char* why) {
  UpstreamCall c;
  c.kind = EXPROTO_CALL_CLOSE;
  c.conn = conn;
  env_.metrics.adapter_calls.inc();
  env_.upstream.call(std::move(c), [conn, why, &metrics = env_.metrics](UpstreamResult r) {
    if (r.code >= EXPROTO_RESULT_HOST_UNAVAILABLE) metrics.adapter_call_failures.inc();
    spdlog::debug("Close for {} conn {} answered {} {}", why, conn, r.code, r.message);
  });
}

void Dispatcher::forget(const std::string& conn) {
  std::shared_ptr<Session> gone;  // released outside the lock
  std::lock_guard lk(mu_);
  if (auto it = sessions_.find(conn); it != sessions_.end()) {
    gone = std::move(it->second);
    sessions_.erase(it);
  }
  remember_closed_locked(conn);
}

bool Dispatcher::recently_closed_locked(const std::string& conn) {
  const auto now = std::chrono::steady_clock::now();
  while (!closed_order_.empty() &&
         (now - closed_order_.front().second > kClosedMemory || closed_order_.size() > kClosedMemoryMax)) {
    auto& [c, t] = closed_order_.front();
    if (auto it = closed_.find(c); it != closed_.end() && it->second == t) closed_.erase(it);
    closed_order_.pop_front();
  }
  return closed_.contains(conn);
}

void Dispatcher::remember_closed_locked(const std::string& conn) {
  const auto now = std::chrono::steady_clock::now();
  closed_[conn] = now;
  closed_order_.emplace_back(conn, now);
}

}  // namespace exproto::host
