// Waits until something accepts TCP connections on a loopback port (the broker, a native-mode
// host's device listener: neither serves gRPC, so readiness.h does not apply).
#pragma once

#include <cstdint>
#include <functional>

namespace exproto::bench {

// Connects to 127.0.0.1:`port` every 20 ms until it succeeds, `seconds` pass or `still_alive`
// returns false. Each probe is closed at once (a native host sees a device come and go).
bool wait_until_accepting(uint16_t port, double seconds, const std::function<bool()>& still_alive);

}  // namespace exproto::bench
