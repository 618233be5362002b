// What this process and the kernel hold right now, read from /proc: the figures the scale tool
// compares before and after opening its clients.
#pragma once

#include <cstdint>
#include <sys/types.h>

namespace mqtt_scale {

struct ProcSample {
  int64_t rss_kib = 0;  // VmRSS of the process
  int64_t fds = 0;      // entries in /proc/<pid>/fd
};

struct KernelSample {
  int64_t slab_kib = 0;      // /proc/meminfo Slab: socket structs, skbs, epoll items, files
  int64_t tcp_mem_pages = 0; // /proc/net/sockstat "TCP: ... mem": pages charged to TCP buffers
};

ProcSample sample_process(pid_t pid);  // 0 = this process
KernelSample sample_kernel();

}  // namespace mqtt_scale
