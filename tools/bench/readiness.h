// Waits until a gRPC server accepts connections.
#pragma once

#include <functional>
#include <string>

namespace exproto::bench {

// Probes `address` with a fresh channel until it connects, `seconds` pass, or `still_alive`
// returns false (the process that should serve it has died). Returns whether it connected.
bool wait_until_serving(const std::string& address, double seconds, const std::function<bool()>& still_alive);

}  // namespace exproto::bench
