// CPU time of this process and of a child, so a run can say what its cores were spent on.
#pragma once

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace exproto::bench {

double self_cpu_seconds();                          // user + system, all threads
std::optional<double> process_cpu_seconds(pid_t);  // from /proc/<pid>/stat; nullopt if gone
// The process plus its children, live (their own CPU) and reaped (the parent's cutime/cstime): a
// host whose isolated routes run in codec-runner children is charged for them too.
std::optional<double> process_tree_cpu_seconds(pid_t);
// Voluntary + involuntary context switches summed over the process's live threads
// (/proc/<pid>/task/*/status); nullopt if the process is gone.
std::optional<uint64_t> process_context_switches(pid_t);

}  // namespace exproto::bench
