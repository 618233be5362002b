// Process-wide settings of the gRPC runtime the host relies on, applied once in main() before any
// thread starts.
#pragma once

namespace exproto::host {

// Debian's abseil is built without NDEBUG, so absl::Mutex runs its deadlock detector: every lock
// and unlock inside gRPC records edges in one global lock graph (GraphCycles), 3–5 % of the host's
// CPU at EMQX's pace (perf, docs/performance.md). The host's own locks are std::mutex and gRPC's
// lock order is gRPC's to test, so the detector buys nothing here.
void tune_grpc_runtime();

}  // namespace exproto::host
