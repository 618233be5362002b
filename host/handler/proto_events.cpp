#include "host/handler/proto_events.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

ConnMeta to_meta(const pb::ConnInfo& info) {
  ConnMeta m;
  m.socktype = static_cast<SockType>(info.socktype());
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

// TimerType has a single value (KEEPALIVE); anything else EMQX might add later is still a timeout.
Event to_event(const pb::TimerTimeoutRequest&) { return event::KeepaliveTimeout{}; }

Event to_event(const pb::SocketClosedRequest& req) { return event::Closed{req.reason()}; }

}  // namespace exproto::host
