// What the kernel says about loopback TCP ports, for tests that must see a socket really gone.
#pragma once

#include <cstddef>
#include <cstdint>

namespace devgw_test {

/// True if a TCP connect to 127.0.0.1:port is refused right now (nothing listens there).
bool connect_refused(std::uint16_t port);

/// ESTABLISHED TCP connections with `port` at either end (/proc/net/tcp and tcp6): both ends
/// of a loopback connection are counted, so one connection inside this process counts twice.
std::size_t established_on(std::uint16_t port);

}  // namespace devgw_test
