#include "host/app/grpc_runtime.h"

#include <absl/synchronization/mutex.h>

namespace exproto::host {

void tune_grpc_runtime() { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); }

}  // namespace exproto::host
