// Validation of "host:port" addresses as gRPC takes them ("127.0.0.1:9001", "localhost:9100",
// "[::1]:9001"), so a typo fails at startup with the key named rather than at the first call.
#pragma once

#include <cstdint>
#include <string_view>

namespace exproto::host {

// `min_port` is 0 for a bind address (ephemeral port, used by tests) and 1 for a peer address.
bool is_host_port(std::string_view address, uint32_t min_port);

}  // namespace exproto::host
