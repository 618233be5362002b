// What a Gateway observed, for tests to assert on. Every record is appended in the order the
// gateway did the thing; read them through Gateway::snapshot() or Gateway::wait_for().
#pragma once

#include "devgw/options.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace exproto::devgw {

/// ConnectionAdapter result codes (exproto.proto ResultCode).
enum class ResultCode : int {
  success = 0,
  unknown = 1,
  conn_process_not_alive = 2,
  required_params_missed = 3,
  params_type_error = 4,
  permission_deny = 5,
};

/// The five handler callbacks.
enum class EventKind { socket_created, received_bytes, received_messages, timer_timeout, socket_closed };

/// "OnSocketCreated", … (the gRPC method name).
std::string_view method_name(EventKind kind);
/// "on_socket_created", … (the atom EMQX uses in {shutdown,{error,{Callback,Reason}}}).
std::string_view callback_atom(EventKind kind);

/// One message handed to a device conn in OnReceivedMessages (exproto.proto Message).
struct Delivery {
  std::string node;
  std::string id;  ///< 32 uppercase hex chars
  std::uint32_t qos = 0;
  std::string from;
  std::string topic;
  std::string payload;
  std::uint64_t timestamp_ms = 0;
};

/// A device conn's socket was accepted (TCP) or its first datagram arrived (UDP).
struct ConnRecord {
  std::string conn;
  SocketKind kind = SocketKind::tcp;
  std::string peer_host;
  std::uint16_t peer_port = 0;
  std::uint16_t listener_port = 0;
};

/// A conn process ended; `reason` is exactly what OnSocketClosed carries (or would have).
struct CloseRecord {
  std::string conn;
  std::string reason;
};

/// Where a broker message came from.
enum class PublishOrigin {
  device,   ///< ConnectionAdapter Publish (from = the conn's clientid)
  raw,      ///< ConnectionAdapter RawPublish (from = "exproto")
  console,  ///< Gateway::publish, stdin `pub`, control port `PUB`
};

struct PublishRecord {
  std::string topic;
  std::uint32_t qos = 0;
  std::string payload;
  std::string from;
  PublishOrigin origin = PublishOrigin::device;
  bool raw() const { return origin == PublishOrigin::raw; }
};

/// One ConnectionAdapter call and what the gateway answered. `grpc_status` is the gRPC status
/// code (0 = OK, then `code`/`message` are the CodeResponse fields); non-zero means the call
/// failed at gRPC level (e.g. 13 INTERNAL for Authenticate without clientinfo).
struct AdapterCallRecord {
  std::string method;  ///< "Send", "Close", "Authenticate", "StartTimer", "Publish", …
  std::string conn;    ///< empty for RawPublish
  int grpc_status = 0;
  ResultCode code = ResultCode::success;
  std::string message;
  std::string detail;  ///< short human summary of the request (topic, clientid, …)
  /// Payload size of Send/Publish/RawPublish; a Send with 0 is EMQX's liveness probe (observed
  /// item 1), so tests can count probes apart from real writes.
  std::size_t bytes = 0;
};

/// One handler event the gateway sent (unary: RPC started; streaming: queued on its stream).
struct HandlerEventRecord {
  EventKind kind = EventKind::socket_created;
  std::string conn;
  std::string bytes;                ///< OnReceivedBytes
  std::vector<Delivery> messages;   ///< OnReceivedMessages
  std::string reason;               ///< OnSocketClosed
};

/// Everything observed so far.
struct Records {
  std::vector<ConnRecord> opened;
  std::vector<CloseRecord> closed;
  std::vector<PublishRecord> publishes;
  std::vector<AdapterCallRecord> adapter_calls;
  std::vector<HandlerEventRecord> events;
};

}  // namespace exproto::devgw
