// The edge check of what EMQX sends on the handler port. Everything in a request is decided by
// whoever reaches that port, so each field the host acts on is bounded here, before a session or
// codec sees it. A refused request is answered INVALID_ARGUMENT: for OnSocketCreated EMQX then
// closes the device's connection, for later events the session never sees the bad event.
//
// The caps sit far above anything EMQX produces (its conn ids are a few dozen bytes, a peer host
// is an IP literal), so only a forged or corrupted request meets them. Payload bytes are bounded
// by handler.max_receive_bytes in gRPC itself, before a request reaches this code.
#pragma once

#include <cstddef>
#include <string>

#include "exproto.pb.h"

namespace exproto::host::request_caps {
inline constexpr std::size_t kConnIdBytes = 1024;       // conn: non-empty and at most this
inline constexpr std::size_t kHostBytes = 256;          // ConnInfo peername/sockname host
inline constexpr std::size_t kCertFieldBytes = 16384;   // ConnInfo peercert cn and dn
inline constexpr int kMessagesPerEvent = 65536;         // OnReceivedMessages: messages in one request
inline constexpr std::size_t kTopicBytes = 65535;       // a message topic (MQTT's own limit)
inline constexpr std::size_t kMessageFieldBytes = 4096; // a message's node, id and from
inline constexpr std::size_t kReasonBytes = 4096;       // SocketClosed reason: longer ones are cut, not refused
}  // namespace exproto::host::request_caps

namespace exproto::host {

// "" when the request may be dispatched; otherwise the one problem, naming the field, e.g.
// "conninfo.socktype: 7 is not a SocketType (0..3)".
std::string check_request(const emqx::exproto::v1::SocketCreatedRequest& req);
std::string check_request(const emqx::exproto::v1::ReceivedBytesRequest& req);
std::string check_request(const emqx::exproto::v1::ReceivedMessagesRequest& req);
std::string check_request(const emqx::exproto::v1::TimerTimeoutRequest& req);
// A close is never refused for its reason (the session would outlive its conn); only the conn.
std::string check_request(const emqx::exproto::v1::SocketClosedRequest& req);

}  // namespace exproto::host
