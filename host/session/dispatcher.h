// Hands each event from the transport to the session of its conn: creates sessions on
// OnSocketCreated (routing by listener), holds streaming events that overtook their
// OnSocketCreated, applies the unknown-conn policy, and remembers recently closed conns so late
// events are dropped quietly instead of being treated as unknown.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "host/session/ack.h"
#include "host/session/event.h"
#include "host/session/route_table.h"
#include "host/session/session_env.h"

namespace exproto::host {

class Session;

// Where the event came from: the streaming service can reorder events of one conn.
enum class Origin { unary, streaming };

class Dispatcher {
 public:
  // `env.on_finished` is set by the dispatcher itself.
  Dispatcher(SessionEnv env, RouteTable routes);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void created(Origin origin, std::string conn, ConnMeta meta, Ack ack);
  // Any event but Opened.
  void event(Origin origin, std::string conn, Event ev, Ack ack);

  std::size_t session_count() const;
  std::size_t held_count() const;
  std::size_t recently_closed_count() const;
  // The routes new connections use now (a snapshot: a reload swaps in another table).
  std::shared_ptr<const RouteTable> routes() const;
  // Makes `routes` the table for new connections (control thread).
  void set_routes(RouteTable routes);
  // Calls `fn` for every live session (outside the table lock, on the caller's thread).
  void for_each_session(const std::function<void(Session&)>& fn) const;

  // Orderly shutdown. New conns are refused (EMQX closes them; the devices reconnect, to this
  // host once it is back or to another one).
  void set_draining();
  // Waits until every session is idle (nothing queued, running or waiting for EMQX) or `deadline`.
  bool wait_idle(std::chrono::steady_clock::time_point deadline) const;
  // Answers everything held back (back-pressure, held streaming events): nothing EMQX waits on
  // may outlive the server.
  void release_acks();

  // A conn's streaming events may wait this many at most for its OnSocketCreated: a new device
  // needs a handful, and one stale conn must not take the budget of many.
  static constexpr std::size_t kMaxHeldPerConn = 16;
  // Conns remembered as recently closed (late events are dropped quietly), oldest forgotten first.
  static constexpr std::size_t kClosedMemoryMax = 200000;

 private:
  struct Held {
    std::vector<Event> events;
    std::vector<Ack> acks;  // policy reject: answered once the conn is known or given up
    std::size_t bytes = 0;  // reserved in env_.budget
    uint64_t expiry_timer = 0;
    uint64_t order = 0;     // key in held_order_
  };
  // What giving up on a held conn leaves to do outside the lock.
  struct GivenUp {
    std::string conn;
    std::size_t events = 0;
    std::vector<Ack> acks;
    uint64_t expiry_timer = 0;
    std::string why;
  };
  std::shared_ptr<Session> find(const std::string& conn) const;
  bool recently_closed_locked(const std::string& conn);
  void remember_closed_locked(const std::string& conn);
  void prune_closed_locked(std::chrono::steady_clock::time_point now);
  void forget(const std::string& conn, const Session* session);
  void unknown(const std::string& conn, const char* what, Ack& ack);
  // Holds a streaming event whose OnSocketCreated has not arrived; false when there is no room.
  bool hold_locked(const std::string& conn, Event& ev, Ack& ack, std::vector<GivenUp>& given_up);
  GivenUp give_up_locked(std::unordered_map<std::string, Held>::iterator it);
  // Applies sessions.unknown_conn to a held conn whose OnSocketCreated never came (outside the lock).
  void resolve_given_up(GivenUp g);
  void hold_expired(const std::string& conn);
  void close_conn(const std::string& conn, const char* why);

  SessionEnv env_;
  std::atomic<bool> draining_{false};
  mutable std::mutex routes_mu_;
  std::shared_ptr<const RouteTable> routes_;
  mutable std::mutex mu_;
  // Keyed by a view of the session's own conn string (alive while the map holds the session):
  // conn ids are ~44 bytes, one heap copy per idle session is enough.
  std::unordered_map<std::string_view, std::shared_ptr<Session>> sessions_;
  // Sessions replaced by a second OnSocketCreated that may still be closing their codec state:
  // wait_idle must see them too. Pruned as they expire.
  mutable std::vector<std::weak_ptr<Session>> replaced_;
  std::unordered_map<std::string, Held> held_;
  std::map<uint64_t, std::string> held_order_;  // oldest held conn first (eviction order)
  uint64_t next_held_order_ = 1;
  std::size_t held_total_ = 0;
  // Recently closed conns, oldest first, for late events (bounded in count and age on insert).
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> closed_;
  std::deque<std::pair<std::string, std::chrono::steady_clock::time_point>> closed_order_;
};

}  // namespace exproto::host
