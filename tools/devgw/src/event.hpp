// A handler event as the gateway builds it, free of protobuf types so that only the gRPC client
// translation unit needs the generated headers.
#pragma once

#include "devgw/records.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace exproto::devgw {

struct SocketInfo {
  SocketKind kind = SocketKind::tcp;
  std::string peer_host;
  std::uint16_t peer_port = 0;
  std::string sock_host;
  std::uint16_t sock_port = 0;
};

struct Event {
  EventKind kind = EventKind::socket_created;
  std::string conn;
  SocketInfo socket;               ///< OnSocketCreated
  std::string bytes;               ///< OnReceivedBytes
  std::vector<Delivery> messages;  ///< OnReceivedMessages
  std::string reason;              ///< OnSocketClosed
};

/// Outcome of a handler call: gRPC status code (0 = OK) and message.
struct HandlerStatus {
  int code = 0;
  std::string message;
  bool ok() const { return code == 0; }
};

/// Where conns send their events (the gRPC client in production, fakes in unit tests).
class HandlerDispatcher {
 public:
  /// Invoked on the I/O thread once the event is done (unary: RPC completed; streaming: handed
  /// to its stream).
  using Done = std::function<void(HandlerStatus)>;
  virtual ~HandlerDispatcher() = default;
  virtual void dispatch(Event event, Done done) = 0;
  /// The conn process ended: its streams (streaming mode) may be ended once drained.
  virtual void release(const std::string& conn) = 0;
};

}  // namespace exproto::devgw
