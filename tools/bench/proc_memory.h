// What a process and the kernel hold right now, from /proc: the figures the idle-fleet measurement
// compares before and after its devices connect.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace exproto::bench {

struct ProcessHoldings {
  int64_t rss_kib = 0;  // VmRSS
  int64_t fds = 0;      // entries of /proc/<pid>/fd
};

ProcessHoldings process_holdings(pid_t pid);  // zeros when the process is gone
// /proc/meminfo Slab (socket structs, files, epoll items...), system-wide: every process counts.
int64_t kernel_slab_kib();

}  // namespace exproto::bench
