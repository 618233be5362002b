// What the MQTT side tells the sessions (the wiring implements it: it turns these into the
// session's Messages and Closed events and closes the device socket).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "host/session/event.h"

namespace exproto::host::mqtt {

class MqttSessionSink {
 public:
  virtual ~MqttSessionSink() = default;

  // Messages the broker delivered to `conn`'s MQTT session, one call per read from the broker
  // (topics already without the mountpoint). `handled` acknowledges them to the broker (QoS 1
  // PUBACK, QoS 2 PUBREC): call it once the codec's hook has run, from any thread, at most once.
  // Until then the broker's receive maximum holds further QoS 1/2 deliveries back. Runs on the
  // conn's executor.
  virtual void messages(const std::string& conn, std::vector<DeliveredMessage> msgs, std::function<void()> handled) = 0;

  // The broker ended `conn`'s MQTT session, or the connection to it was lost: "mqtt:session_taken_over",
  // "mqtt:connection_lost", "mqtt:not_authorized", "mqtt:server_shutting_down", … The device must
  // be closed; the session is never reconnected. Not called for sessions ended by
  // MqttUpstream::end(). Runs on the conn's executor.
  virtual void ended(const std::string& conn, std::string reason) = 0;
};

}  // namespace exproto::host::mqtt
