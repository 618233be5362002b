// Conversions from ExProto handler requests to transport-neutral session events.
#pragma once

#include "exproto.pb.h"
#include "host/session/event.h"

namespace exproto::host {

ConnMeta to_meta(const emqx::exproto::v1::ConnInfo& info);
Event to_event(const emqx::exproto::v1::ReceivedBytesRequest& req);
Event to_event(const emqx::exproto::v1::ReceivedMessagesRequest& req);
Event to_event(const emqx::exproto::v1::TimerTimeoutRequest& req);
Event to_event(const emqx::exproto::v1::SocketClosedRequest& req);

}  // namespace exproto::host
