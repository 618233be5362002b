// Loopback TCP ports for processes started by tests.
#pragma once

#include <chrono>
#include <cstdint>

namespace faults {

/// A loopback TCP port nobody listens on right now (bound to port 0, then released). Processes
/// get fixed ports from this, so that a restarted one can take the same ones again.
std::uint16_t free_port();

/// True if something accepts TCP connections on 127.0.0.1:port (the probe connection is
/// closed at once; a gRPC server or the devgw control port takes no notice of it).
bool port_accepts(std::uint16_t port);

/// Polls port_accepts until true or `timeout` passes.
bool wait_port(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace faults
