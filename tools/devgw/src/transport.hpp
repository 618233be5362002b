// A device socket as a conn process sees it: one TCP stream, or one UDP peer on a shared socket.
#pragma once

#include "event.hpp"

#include <functional>
#include <string>

namespace exproto::devgw {

class Transport {
 public:
  struct Callbacks {
    std::function<void(std::string chunk)> on_data;
    /// The socket ended by itself; `reason` is EMQX's atom (tcp_closed, econnreset, …).
    std::function<void(std::string reason)> on_closed;
  };
  virtual ~Transport() = default;
  /// Begins delivering data; callbacks run on the I/O thread and stop after close().
  virtual void start(Callbacks callbacks) = 0;
  /// Queues bytes for the device; silently dropped once closed.
  virtual void send(std::string bytes) = 0;
  /// Stops reading at once; bytes already queued by send() are still written, then the socket
  /// closes (a device gets the CONNACK sent just before Close). Idempotent.
  virtual void close() = 0;
  /// Closes now, dropping queued bytes (gateway shutdown). Idempotent.
  virtual void abort() = 0;
  virtual const SocketInfo& info() const = 0;
};

}  // namespace exproto::devgw
