// One device connection of native mode (a TCP or TLS socket, or a UDP peer): the event source of
// its session, in place of EMQX's connection process. It keeps EMQX's unary contract: one event
// in flight to the Dispatcher at a time, the next read only once the previous event was answered
// (the Ack), so a session over its limits stops the reads of its device and back-pressure reaches
// the device through the kernel's receive window. It also carries the device half of the
// Upstream: Send (bounded write queue), Close (after the queued bytes), keepalive (EMQX's rule).
//
// Every member function runs on the conn's io thread (its shard); the Dispatcher's answers, which
// may come from any thread, are brought back there. Transports (TcpConn, TlsConn, UdpPeer)
// implement reading, writing and closing; the rules live here once.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/listener/device_env.h"
#include "host/session/ack.h"
#include "host/session/event.h"

namespace exproto::host {

class DeviceConn : public std::enable_shared_from_this<DeviceConn> {
 public:
  DeviceConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id);
  virtual ~DeviceConn();
  DeviceConn(const DeviceConn&) = delete;
  DeviceConn& operator=(const DeviceConn&) = delete;

  const std::string& id() const { return id_; }
  std::size_t shard() const { return shard_; }

  // Registers the conn and hands OnSocketCreated's event to the Dispatcher; reading starts once
  // it is answered (a refusal, e.g. the host draining, closes the socket without a session).
  void open(ConnMeta meta);
  // Send: queues `bytes` for the device. Dropped once the conn is closing or closed (EMQX answers
  // SUCCESS and writes nothing then either). Past limits.max_write_queue_bytes the conn is closed.
  void send(std::string bytes);
  // Close: reads stop; the queued bytes are written (for at most limits.close_flush_limit), then
  // the socket is closed and the session gets Closed "{shutdown,normal}".
  void close_after_flush();
  // StartTimer(KEEPALIVE): EMQX's rule (emqx_keepalive since 5.7.2, multiplier 1.5): no byte from
  // the device for 1.5 × interval → KeepaliveTimeout to the session and the socket closed in the
  // same step, then Closed "{shutdown,keepalive_timeout}". Calling it again replaces the interval.
  void start_keepalive(uint32_t interval_s);
  // Ends the conn now, queued bytes dropped; the session gets Closed `reason`.
  void end(std::string reason, bool vanished);

  // The conn's place under its listener's cap (ConnCap), given back when the conn is destroyed.
  void hold(ConnCap::Slot slot) { slot_ = std::move(slot); }

  // Closing or closed: Send is dropped, reads stopped.
  bool closing() const { return state_ != State::open; }

 protected:
  enum class Step {
    delivered,  // a chunk was read and queued as a Bytes event
    waiting,    // nothing to read now; the transport calls pump() when there is
    ended,      // the transport ended the conn (transport_ended)
  };
  // Reads one chunk of at most limits().max_read_bytes and hands it to deliver_bytes(). Only
  // called while the conn is open and no event is in flight.
  virtual Step read_step() = 0;
  // Starts writing the queue (take_queued) unless a write is in progress; reports each finished
  // write with wrote().
  virtual void write_step() = 0;
  // Close after the queue has been written: whatever the transport owes the peer (TLS
  // close_notify), then transport_ended("{shutdown,normal}", false).
  virtual void shutdown_transport() = 0;
  // Closes the socket now, cancelling its operations. Idempotent.
  virtual void close_transport() = 0;

  // For transports.
  void deliver_bytes(std::string_view data);
  void transport_ended(std::string reason, bool vanished);
  // Hands queued events over and reads while nothing is in flight. Re-entrant calls return at
  // once: the running loop sees what they changed.
  void pump();
  std::vector<std::string> take_queued();
  bool has_queued() const { return !queue_.empty(); }
  // A write of `bytes` finished (or failed with `ec`).
  void wrote(std::size_t bytes, const boost::system::error_code& ec);
  void set_reading(bool r) { reading_ = r; }
  bool reading() const { return reading_; }
  bool is_open() const { return state_ == State::open; }
  // Events queued for the session (UDP counts its backlog with it).
  std::size_t events_waiting() const { return outbox_.size(); }
  const DeviceLimits& limits() const { return *limits_; }
  DeviceEnv& env() { return env_; }

 private:
  enum class State { open, closing, closed };
  // What the one timer of the conn watches.
  enum class Watch { none, first_bytes, quiet, keepalive, flush };

  void hand_over(Event ev);
  Ack make_ack();
  void on_ack(bool ok, const std::string& error);
  void deliver(Event ev);
  void arm(Watch w, std::chrono::steady_clock::duration span);
  void on_timer(const boost::system::error_code& ec);
  void keepalive_timed_out();
  void finish_removal();

  DeviceEnv& env_;
  std::shared_ptr<const DeviceLimits> limits_;
  const std::size_t shard_;
  const std::string id_;
  State state_ = State::open;
  bool created_ = false;      // the Dispatcher accepted OnSocketCreated
  bool refused_ = false;      // ... or refused it: there is no session to tell anything
  bool in_flight_ = false;    // an event handed over and not answered yet
  bool pumping_ = false;
  bool reading_ = false;      // the transport waits for readability
  bool handed_closed_ = false;  // Closed went to the Dispatcher: nothing follows
  bool got_bytes_ = false;
  std::vector<Event> outbox_;  // events waiting for the one in flight (no heap while empty)
  std::vector<std::string> queue_;  // bytes for the device not handed to the transport yet
  std::size_t queued_bytes_ = 0;    // queue_ plus what the transport is writing
  Watch watch_ = Watch::none;
  std::chrono::steady_clock::duration watch_span_{};
  std::chrono::steady_clock::time_point last_recv_;
  boost::asio::steady_timer timer_;
  ConnCap::Slot slot_;  // after limits_, which owns the cap: destroyed before it
};

}  // namespace exproto::host
