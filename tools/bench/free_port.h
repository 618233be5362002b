// Picks a loopback TCP port nobody listens on right now.
#pragma once

#include <cstdint>

namespace exproto::bench {

// Binds port 0 on 127.0.0.1 and reports what the kernel chose. Another process could take it
// before the handler binds it; acceptable for a bench that fails loudly if the bind fails.
uint16_t free_loopback_port();

}  // namespace exproto::bench
