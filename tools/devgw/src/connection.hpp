// One device conn process, the mirror of EMQX's emqx_gateway_conn + emqx_exproto_channel:
// conn_state, the FIFO of handler events with at most one in flight, idle/keepalive/force-close
// timers, subscriptions and delivery batching. I/O thread only.
#pragma once

#include "call_result.hpp"
#include "devgw/keepalive.hpp"
#include "event.hpp"
#include "transport.hpp"

#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace exproto::devgw {

class GatewayCore;
struct ClientInfo;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  enum class State { connecting, connected, disconnected };

  Connection(GatewayCore& core, std::string id, std::shared_ptr<Transport> transport);
  ~Connection();

  const std::string& id() const { return id_; }
  const std::string& clientid() const { return clientid_; }
  State state() const { return state_; }

  /// Sends OnSocketCreated, arms the idle timers and starts reading.
  void open();

  // ConnectionAdapter calls that reached this conn (parameters already validated).
  CallResult send(std::string bytes);
  CallResult close();
  CallResult authenticate(const ClientInfo& info, const std::string& password);
  CallResult start_keepalive(std::uint32_t interval_s);
  CallResult publish(const std::string& topic, std::uint32_t qos, std::string payload);
  CallResult subscribe(const std::string& filter, std::uint32_t qos);
  CallResult unsubscribe(const std::string& filter);

  /// A broker delivery; batched into OnReceivedMessages.
  void deliver(Delivery delivery);
  /// A newer conn authenticated with the same clientid.
  void discard();
  /// Streaming mode: one of this conn's streams failed.
  void handler_failed(EventKind kind, const HandlerStatus& status);
  /// Gateway stop: end without any handler event.
  void abort();

 private:
  void on_data(std::string chunk);
  /// EMQX's sock_closed path: socket gone, queued events still flushed (≤ force_close_timeout).
  void on_socket_closed(const std::string& atom);
  /// EMQX's process stop: OnSocketClosed(reason) unless an event is in flight.
  void terminate(const std::string& reason);
  void dispatch(Event event);
  void shoot(Event event);
  void on_reply(EventKind kind, const HandlerStatus& status);
  void flush_deliveries();
  void arm_keepalive();
  void on_keepalive_tick();
  void arm_timer(boost::asio::steady_timer& timer, std::chrono::milliseconds after, void (Connection::*fn)());
  void on_idle_timeout();
  void on_force_close();

  GatewayCore& core_;
  std::string id_;
  std::shared_ptr<Transport> transport_;
  State state_ = State::connecting;
  bool terminated_ = false;
  std::string clientid_;
  std::string username_;
  std::optional<std::string> closed_reason_;  // first sock_closed reason wins

  std::deque<Event> queue_;
  std::optional<EventKind> inflight_;
  std::deque<Delivery> pending_deliveries_;
  bool delivery_flush_posted_ = false;

  std::uint64_t received_chunks_ = 0;
  std::optional<KeepaliveState> keepalive_;
  bool keepalive_armed_ = false;

  boost::asio::steady_timer idle_timer_;      // first byte must arrive within idle_timeout
  boost::asio::steady_timer udp_idle_timer_;  // UDP force_close_idle: only StartTimer cancels it
  boost::asio::steady_timer keepalive_timer_;
  boost::asio::steady_timer force_close_timer_;
};

}  // namespace exproto::devgw
