// One native-mode round: a fresh mosquitto and a fresh exproto-host in "mode": "native" on a free
// loopback listener, the bench's devices over real TCP sockets into it, measured like every other
// round (frames/s, latency, host CPU and context switches per frame), plus the broker's CPU.
#pragma once

#include <ostream>

#include "compare_mode.h"
#include "load_result.h"

namespace exproto::bench {

// Throws std::runtime_error (with the process's last log lines) when the broker or the host does
// not start.
LoadResult bench_native_once(const CompareSettings& s, const char* label, int round, std::ostream& progress);

}  // namespace exproto::bench
