#include "proc_memory.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace exproto::bench {
namespace {

// The number after `key` on the first line that starts with it, or 0.
int64_t number_after(const std::string& file, const std::string& key) {
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    std::istringstream rest(line.substr(key.size()));
    int64_t value = 0;
    rest >> value;
    return value;
  }
  return 0;
}

}  // namespace

ProcessHoldings process_holdings(pid_t pid) {
  const std::string dir = "/proc/" + std::to_string(pid);
  ProcessHoldings h;
  h.rss_kib = number_after(dir + "/status", "VmRSS:");
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir + "/fd", ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec))
    ++h.fds;
  return h;
}

int64_t kernel_slab_kib() { return number_after("/proc/meminfo", "Slab:"); }

}  // namespace exproto::bench
