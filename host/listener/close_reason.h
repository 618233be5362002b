// The reason strings a session's Closed event carries in native mode, spelled as EMQX's
// OnSocketClosed spelled them (io_lib:format("~0p", [ExitReason])), so a codec written for
// exproto mode sees the same values: "{shutdown,tcp_closed}", "{shutdown,econnreset}", ...
// Reasons only the host can have start with "host:", as the sessions' own do.
#pragma once

#include <boost/system/error_code.hpp>

#include <string>

namespace exproto::host::close_reason {

inline constexpr const char* kTcpClosed = "{shutdown,tcp_closed}";
inline constexpr const char* kSslClosed = "{shutdown,ssl_closed}";
inline constexpr const char* kNormal = "{shutdown,normal}";  // the codec's Close
inline constexpr const char* kKeepaliveTimeout = "{shutdown,keepalive_timeout}";
inline constexpr const char* kIdleTimeout = "{shutdown,idle_timeout}";
inline constexpr const char* kWriteQueueFull = "host:write_queue_full";
inline constexpr const char* kShutdown = "host:shutdown";
// A SIGHUP removed or changed the UDP listener the peer lived on.
inline constexpr const char* kListenerRemoved = "host:listener_removed";

// "{shutdown,<posix>}" for a socket error, e.g. "{shutdown,econnreset}" (Erlang's inet posix
// atoms are the lower-case errno names).
std::string socket_error(const boost::system::error_code& ec);

}  // namespace exproto::host::close_reason
