// Hands each event from the transport to the session of its conn: creates sessions on
// OnSocketCreated (routing by listener), holds streaming events that overtook their
// OnSocketCreated, applies the unknown-conn policy, and remembers recently closed conns so late
// events are dropped quietly instead of being treated as unknown.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
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
  // The routes new connections use now (a snapshot: a reload swaps in another table).
  std::shared_ptr<const RouteTable> routes() const;
  // Makes `routes` the table for new connections (control thread).
  void set_routes(RouteTable routes);
  // Calls `fn` for every live session (outside the table lock, on the caller's thread).
  void for_each_session(const std::function<void(Session&)>& fn) const;

 private:
  struct Held {
    std::vector<Event> events;
    uint64_t expiry_timer = 0;
  };
  std::shared_ptr<Session> find(const std::string& conn) const;
  bool recently_closed_locked(const std::string& conn);
  void remember_closed_locked(const std::string& conn);
  void forget(const std::string& conn);
  void unknown(const std::string& conn, const char* what, Ack& ack);
  void hold_expired(const std::string& conn);
  void close_conn(const std::string& conn, const char* why);

  SessionEnv env_;
  mutable std::mutex routes_mu_;
  std::shared_ptr<const RouteTable> routes_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  std::unordered_map<std::string, Held> held_;
  std::size_t held_total_ = 0;
  // Recently closed conns, oldest first, for late events (bounded in count and age).
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> closed_;
  std::deque<std::pair<std::string, std::chrono::steady_clock::time_point>> closed_order_;
};

}  // namespace exproto::host
