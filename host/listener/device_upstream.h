// Native mode's Upstream: the device half. Send, Close and StartTimer(KEEPALIVE) act on the
// device socket of the conn (on its io thread); every other call (Authenticate, Publish,
// Subscribe, Unsubscribe, RawPublish) goes to the broker side given at construction, untouched.
// Results are EMQX's for the same calls, so codecs cannot tell the backends apart:
//   Send             SUCCESS once queued (EMQX answers before writing); a zero-length Send is
//                    the host's liveness probe and writes nothing
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
