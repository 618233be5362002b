// What every device connection of native mode needs from the host: its threads, the table of
// live conns, the Dispatcher its events go to, the broker side to tell when a device is gone,
// the limits of its listener, counters and the log limiter. Owned by whoever builds the
// listeners (the App), outliving every conn.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "host/listener/conn_cap.h"
#include "host/log/log_limiter.h"
#include "host/metrics/metrics.h"

namespace exproto::host {

class IoThreads;
class DeviceTable;
class Dispatcher;

// The broker side learns from this that a device connection is over, so it can end the MQTT
// session made for it. Called once per conn that was handed to the Dispatcher, on the conn's io
// thread, before the session gets its Closed event.
class DeviceLifecycle {
 public:
  virtual ~DeviceLifecycle() = default;
  // `vanished`: the connection ended without the codec or the host asking for it (the device
  // closed or reset it, keepalive or idle timeout, a write error, the write queue overflowed):
  // the MQTT session should end as an abnormal disconnect, so the broker publishes the will
  // (MQTT 5 DISCONNECT 0x04, 3.1.1 dropping the TCP connection). false: the codec's Close, the
  // host shutting down, or the broker side itself ended it (end_device): a normal DISCONNECT.
  virtual void device_closed(const std::string& conn, bool vanished) = 0;
};

// Per listener. Defaults are EMQX's where EMQX has one.
struct DeviceLimits {
  // Bytes queued for a device and not yet written; past it the conn is closed with a logged
  // reason ("host:write_queue_full"). The App passes sessions.max_queued_bytes.
  std::size_t max_write_queue_bytes = 1024 * 1024;
  // Largest Bytes event one read makes (at most IoThreads::kReadBufferBytes).
  std::size_t max_read_bytes = 64 * 1024;
  // routes[].listener.idle_timeout_s. TCP/TLS: closed "{shutdown,idle_timeout}" when no byte
  // arrived this long after the connection opened (EMQX's idle_timeout). UDP: when no datagram
  // arrived from the peer for this long and the codec started no keepalive. 0: never.
  std::chrono::milliseconds idle_timeout{30000};
  // UDP: datagrams of one peer waiting while its previous event is being handled; more are
  // dropped and counted (a UDP socket cannot push back on one peer without stopping them all).
  std::size_t max_udp_backlog = 64;
  // Close: how long queued bytes may take to leave before the socket is closed anyway.
  std::chrono::milliseconds close_flush_limit{5000};
  // TLS: the handshake must be done within this long after accept.
  std::chrono::milliseconds tls_handshake_timeout{10000};
  // routes[].listener.max_connections (TCP/TLS) or max_peers (UDP), shared by the listener's
  // shards; null: no cap. Every conn of the listener holds one of its slots.
  std::shared_ptr<ConnCap> cap;
};

// Counters of the device side, for tests and (later) the metrics endpoint.
struct ListenerStats {
  Counter accepted;              // TCP/TLS connections accepted, UDP peers seen
  Counter accept_errors;         // accept() failed (e.g. out of fds)
  Counter tls_handshake_failures;
  Counter conns_closed;
  Counter write_queue_overflows;
  Counter udp_datagrams_dropped;  // backlog full, or the send buffer was
  Counter connections_over_cap;   // TCP/TLS connections closed at accept: max_connections reached
  Counter udp_peers_over_cap;     // datagrams of new UDP peers dropped: max_peers reached
  Gauge conns_open;
};

struct DeviceEnv {
  IoThreads& io;
  DeviceTable& table;
  Dispatcher& dispatcher;
  DeviceLifecycle* lifecycle = nullptr;  // null: nobody to tell (tests without a broker side)
  ListenerStats& stats;
  LogLimiter& log_limits;
};

}  // namespace exproto::host
