#include "proc_stats.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace mqtt_scale {
namespace {

std::string proc_dir(pid_t pid) { return pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid); }

// The number after `key` on the first line starting with it, or 0.
int64_t field_after(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream rest(line.substr(key.size()));
    int64_t v = 0;
    rest >> v;
    return v;
  }
  return 0;
}

}  // namespace

ProcSample sample_process(pid_t pid) {
  ProcSample s;
  const std::string dir = proc_dir(pid);
  s.rss_kib = field_after(dir + "/status", "VmRSS:");
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++s.fds;
  }
  return s;
}

KernelSample sample_kernel() {
  KernelSample k;
  k.slab_kib = field_after("/proc/meminfo", "Slab:");
  // "TCP: inuse 3 orphan 0 tw 0 alloc 5 mem 1": the last pair.
  std::ifstream in("/proc/net/sockstat");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("TCP:", 0) != 0) continue;
    const auto at = line.find(" mem ");
    if (at != std::string::npos) k.tcp_mem_pages = std::stoll(line.substr(at + 5));
  }
  return k;
}

}  // namespace mqtt_scale
