#include "host/handler/proto_events.h"

#include "host/handler/request_check.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

ConnMeta to_meta(const pb::ConnInfo& info) {
  ConnMeta m;
  // check_request refused any other value before this runs; the fallback keeps a missed check
  // from producing an enum value no switch handles.
  m.socktype = pb::SocketType_IsValid(info.socktype()) ? static_cast<SockType>(info.socktype()) : SockType::tcp;
  m.peer_host = info.peername().host();
  m.peer_port = info.peername().port();
  m.sock_host = info.sockname().host();
  m.sock_port = info.sockname().port();
  m.cert_cn = info.peercert().cn();
  m.cert_dn = info.peercert().dn();
  return m;
}

Event to_event(const pb::ReceivedBytesRequest& req) { return event::Bytes{req.bytes()}; }

Event to_event(const pb::ReceivedMessagesRequest& req) {
  event::Messages out;
  out.messages.reserve(req.messages_size());
  for (const auto& m : req.messages()) {
    out.messages.push_back(
        DeliveredMessage{m.node(), m.id(), m.qos(), m.from(), m.topic(), m.payload(), m.timestamp()});
  }
  return out;
}

// TimerType has a single value (KEEPALIVE); check_request refuses any other.
Event to_event(const pb::TimerTimeoutRequest&) { return event::KeepaliveTimeout{}; }

// A close must reach its session whatever the reason says, so an oversized reason is cut rather
// than the event refused.
Event to_event(const pb::SocketClosedRequest& req) {
  return event::Closed{req.reason().substr(0, request_caps::kReasonBytes)};
}

}  // namespace exproto::host
