// Native mode's Upstream: the device half. Send, Close and StartTimer(KEEPALIVE) act on the
// device socket of the conn (on its io thread); every other call (Authenticate, Publish,
// Subscribe, Unsubscribe, RawPublish) goes to the broker side given at construction, untouched.
// Results are EMQX's for the same calls, so codecs cannot tell the backends apart:
//   Send             SUCCESS at once, the bytes on their way to the conn's thread (EMQX too
//                    answers before writing, and after the socket closed); a zero-length Send
//                    is the host's liveness probe: answered from the conn's thread, SUCCESS or
//                    CONN_PROCESS_NOT_ALIVE
// Answering Send at once matters when a hook runs on a pool thread: a session has one call in
// flight at a time, so a round trip to the io thread per Send would bound its output by thread
// hops. Order is kept: every call is posted to the conn's thread in the order it was made.
//   Close            SUCCESS; the socket closes after its queued bytes
//   StartTimer       SUCCESS; interval 0 → UNKNOWN "{error,'PARAMS_TYPE_ERROR'}" as EMQX
//   unknown conn     CONN_PROCESS_NOT_ALIVE (the device is gone)
#pragma once

#include <string>

#include "host/upstream/upstream.h"

namespace exproto::host {

class DeviceTable;

class DeviceUpstream final : public Upstream {
 public:
  // `broker` serves the MQTT kinds (host/mqtt's MqttUpstream; a test double in tests). All three
  // must outlive this object.
  DeviceUpstream(DeviceTable& table, Upstream& broker);

  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;

  // Any thread: ends the device connection of `conn` now (its queued bytes dropped); its session
  // gets Closed `reason`, e.g. "mqtt:session_taken_over" when the broker ended the MQTT session.
  // DeviceLifecycle::device_closed follows with vanished = false. Unknown conns are ignored.
  void end_device(const std::string& conn, std::string reason);

 private:
  DeviceTable& table_;
  Upstream& broker_;
};

}  // namespace exproto::host
