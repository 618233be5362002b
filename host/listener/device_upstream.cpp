#include "host/listener/device_upstream.h"

#include <memory>

#include "host/listener/device_conn.h"
#include "host/listener/device_table.h"

namespace exproto::host {

namespace {
// `done` must run exactly once; a lookup posted to an io thread that has stopped never runs, so
// the answer lives in an object that gives one when it is destroyed unanswered.
class Answer {
 public:
  explicit Answer(std::function<void(UpstreamResult)> done) : done_(std::move(done)) {}
  ~Answer() {
    if (done_) done_(UpstreamResult{EXPROTO_RESULT_HOST_UNAVAILABLE, "exproto-host: io threads stopped", false});
  }
  Answer(const Answer&) = delete;
  Answer& operator=(const Answer&) = delete;
  void operator()(int32_t code, std::string message = {}) {
    if (auto done = std::exchange(done_, nullptr)) done(UpstreamResult{code, std::move(message), false});
  }

 private:
  std::function<void(UpstreamResult)> done_;
};
}  // namespace

DeviceUpstream::DeviceUpstream(DeviceTable& table, Upstream& broker) : table_(table), broker_(broker) {}

void DeviceUpstream::call(UpstreamCall c, std::function<void(UpstreamResult)> done) {
  switch (c.kind) {
    case EXPROTO_CALL_SEND:
    case EXPROTO_CALL_CLOSE:
    case EXPROTO_CALL_START_KEEPALIVE:
      break;
    default:
      broker_.call(std::move(c), std::move(done));
      return;
  }
  if (c.kind == EXPROTO_CALL_START_KEEPALIVE && c.interval_s == 0) {
    // EMQX checks the parameters before it looks for the conn.
    done(UpstreamResult{EXPROTO_RESULT_UNKNOWN, "{error,'PARAMS_TYPE_ERROR'}", false});
    return;
  }
  const std::string conn = c.conn;
  if (c.kind == EXPROTO_CALL_SEND && !c.data.empty()) {
    table_.post(conn, [data = std::move(c.data)](DeviceConn* device) mutable {
      if (device != nullptr) device->send(std::move(data));
    });
    done(UpstreamResult{EXPROTO_RESULT_SUCCESS, {}, false});
    return;
  }
  auto answer = std::make_shared<Answer>(std::move(done));
  table_.post(conn, [answer, c = std::move(c)](DeviceConn* device) mutable {
    if (device == nullptr) {
      (*answer)(EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE, "conn not found");
      return;
    }
    switch (c.kind) {
      case EXPROTO_CALL_SEND:
        device->send(std::move(c.data));
        break;
      case EXPROTO_CALL_CLOSE:
        device->close_after_flush();
        break;
      default:
        device->start_keepalive(c.interval_s);
        break;
    }
    (*answer)(EXPROTO_RESULT_SUCCESS);
  });
}

void DeviceUpstream::end_device(const std::string& conn, std::string reason) {
  table_.post(conn, [reason = std::move(reason)](DeviceConn* device) mutable {
    if (device != nullptr) device->end(std::move(reason), false);
  });
}

}  // namespace exproto::host
