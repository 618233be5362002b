// Native mode's Upstream: every device the codec authenticates gets its own MQTT connection to the
// broker, and the codec's calls become MQTT packets on it, with the results mapped exactly as
// docs/native-mode.md's table says (so codecs cannot tell it from EMQX's ConnectionAdapter).
//
// Threads: each conn's MQTT connection lives on executor_for(conn) — the io_context that also
// runs the conn's device socket, run by one thread. call() and end() may come from any thread
// and are posted there; `done` and the sink's callbacks run there. The host's own connection
// for raw_publish lives on executor_for("").
//
// Lifetime: the executors' io_contexts must stop (or every conn be end()ed and their handlers
// run) before the upstream is destroyed, and must still exist then: the destructor lets go of every
// MQTT connection at once (handlers left queued on the io_contexts may be destroyed later, in any
// order of the io_contexts: they no longer hold a connection). The sink must outlive both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "host/config/config.h"
#include "host/mqtt/session_sink.h"
#include "host/upstream/upstream.h"

namespace exproto::host::mqtt {

// Per-connection bounds that MqttConfig does not (yet) expose.
struct MqttUpstreamLimits {
  std::size_t max_queued_bytes = 1 << 20;  // per connection: socket queue + operations waiting for a slot
  uint32_t max_packet_size = 1 << 20;      // largest packet accepted from the broker
  uint16_t receive_maximum = 32;           // QoS 1/2 deliveries the broker may have unacknowledged
};

class MqttUpstream final : public Upstream {
 public:
  using ExecutorFor = std::function<boost::asio::any_io_executor(const std::string& conn)>;

  MqttUpstream(const MqttConfig& cfg, ExecutorFor executor_for, MqttSessionSink& sink, MqttUpstreamLimits limits = {});
  ~MqttUpstream() override;
  MqttUpstream(const MqttUpstream&) = delete;
  MqttUpstream& operator=(const MqttUpstream&) = delete;

  // Set when the config cannot be served (bad mqtt.server, unreadable TLS files): the wiring
  // refuses to start with this message. Calls then fail HOST_UNAVAILABLE with it.
  const std::optional<std::string>& error() const;

  // AUTHENTICATE, PUBLISH, SUBSCRIBE, UNSUBSCRIBE, RAW_PUBLISH. SEND, CLOSE and START_KEEPALIVE
  // belong to the device side and are answered UNKNOWN.
  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;

  // The device session `conn` is over: its MQTT connection sends DISCONNECT — 0x04 "with will"
  // when the device vanished (3.1.1: the TCP connection is dropped so the will is published),
  // 0x00 after an orderly close — and its calls still in flight fail HOST_UNAVAILABLE.
  void end(const std::string& conn, bool device_vanished);

  // MQTT connections open or opening (devices and the host's own), for metrics and tests.
  std::size_t connections() const;

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace exproto::host::mqtt
