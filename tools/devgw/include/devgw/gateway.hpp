// exproto-devgw: a development gateway that behaves like EMQX 5.x's ExProto gateway.
//
// It owns device listeners (TCP/UDP), calls a handler under test over gRPC
// (ConnectionUnaryHandler or ConnectionHandler), serves ConnectionAdapter with EMQX's result
// codes and strings, and runs a small in-memory MQTT broker. Tests drive it like this:
//
//   auto gw = Gateway::start({.listeners = {{SocketKind::tcp}}, .handler_address = host_addr});
//   // point the host's adapter client at (*gw)->adapter_address()
//   // connect a raw socket to 127.0.0.1:(*gw)->listener_port(0), write bytes …
//   (*gw)->wait_for([](const Records& r) { return !r.publishes.empty(); }, 3s);
//
// Threading: one internal I/O thread owns every socket, timer and conn; the public methods are
// thread-safe. Records are appended on that thread and can be read from any thread.
#pragma once

#include "devgw/adapter_counters.hpp"
#include "devgw/options.hpp"
#include "devgw/records.hpp"

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace exproto::devgw {

class Gateway {
 public:
  /// Binds every listener, the ConnectionAdapter server and the optional control port, and
  /// starts the I/O thread. Fails (with a one-line reason) if any bind fails; nothing is left
  /// running then.
  static std::expected<std::unique_ptr<Gateway>, std::string> start(Options options);

  /// Same as stop().
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  /// Stops serving: closes listeners and device sockets without further handler events,
  /// cancels outstanding handler RPCs and streams, joins the I/O thread. Idempotent; bounded
  /// by a few seconds even if the handler hangs.
  void stop();

  /// What a `kill -9` of EMQX looks like to the handler (observed item 2), then stopped for
  /// good: the ConnectionAdapter server stops listening and drops its connections at once
  /// (calls in flight or held fail), every device socket is closed, no OnSocketClosed is ever
  /// sent for any conn, the handler's RPCs and streams are cancelled and its HTTP/2 connection
  /// is dropped. Every port is free when this returns: a new Gateway may bind the same
  /// adapter_bind and listener ports at once, and answers CONN_PROCESS_NOT_ALIVE for this
  /// instance's conns (a new instance draws a new random Erlang `creation`, so its conn ids
  /// never repeat old ones). Idempotent; stop() afterwards does nothing.
  void crash();

  // Fault knobs, switchable while serving (see Options). Each returns once it is in effect.
  /// Delay for ConnectionAdapter calls arriving from now on (0 = answer at once).
  void set_adapter_delay(std::chrono::milliseconds delay);
  /// true: hold every ConnectionAdapter call (arrived or arriving) unanswered, like a
  /// SIGSTOPped EMQX; false: carry out the held ones in arrival order (each no earlier than
  /// its delay). A held call whose client gave up meanwhile is not carried out.
  void stall_adapter(bool stalled);
  /// Options::lose_socket_closed for conns that end from now on.
  void set_lose_socket_closed(bool lose);
  /// Thread-safe counts of adapter calls; see AdapterCounters.
  AdapterCounters adapter_counters() const;
  /// Runs one control line as the control port does and returns its answer (without "\n"):
  /// "PUB <topic> <payload>", "DELAY <ms>", "STALL", "RESUME", "LOSE_CLOSED on|off", "STATS".
  std::string control(std::string_view line);

  /// Chosen port of listener `index` (order of Options::listeners).
  std::uint16_t listener_port(std::size_t index) const;
  /// Chosen ConnectionAdapter port, and "127.0.0.1:PORT"-style address to give the handler.
  std::uint16_t adapter_port() const;
  std::string adapter_address() const;
  /// Chosen control port, if Options::control_bind was set.
  std::optional<std::uint16_t> control_port() const;

  /// Publishes into the broker as an outside MQTT client would (recorded as
  /// PublishOrigin::console). Asynchronous: subscribers get it on the I/O thread.
  void publish(std::string topic, std::string payload, std::uint32_t qos = 0, std::string from = "devgw");

  /// A copy of everything recorded so far.
  Records snapshot() const;
  /// Blocks until `pred(records)` is true or `timeout` passes; returns the last pred value.
  /// `pred` runs under the records lock each time something is recorded: keep it short.
  bool wait_for(const std::function<bool(const Records&)>& pred, std::chrono::milliseconds timeout) const;
  /// Waits for the conn whose device socket has local port `peer_port` to be opened.
  std::optional<ConnRecord> wait_for_conn(std::uint16_t peer_port, std::chrono::milliseconds timeout) const;
  /// Waits for `conn` to be closed and returns the OnSocketClosed reason.
  std::optional<std::string> wait_for_close(const std::string& conn, std::chrono::milliseconds timeout) const;

  /// Number of conn processes alive right now (opened and not yet terminated).
  std::size_t live_connections() const;

  struct Impl;

 private:
  explicit Gateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::devgw
