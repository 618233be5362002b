#include "cpu_usage.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace exproto::bench {

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

namespace {

struct Stat {
  pid_t ppid = 0;
  double own = 0;       // utime + stime, seconds
  double children = 0;  // cutime + cstime: reaped children, seconds
};

std::optional<Stat> read_stat(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string state;
  Stat s;
  fields >> state >> s.ppid;
  std::string skip;
  for (int field = 5; field < 14; ++field) fields >> skip;
  double utime = 0, stime = 0, cutime = 0, cstime = 0;
  if (!(fields >> utime >> stime >> cutime >> cstime)) return std::nullopt;
  const auto tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.own = (utime + stime) / tick;
  s.children = (cutime + cstime) / tick;
  return s;
}

}  // namespace

std::optional<double> process_cpu_seconds(pid_t pid) {
  auto s = read_stat(std::to_string(pid));
  if (!s) return std::nullopt;
  return s->own;
}

std::optional<double> process_tree_cpu_seconds(pid_t pid) {
  auto self = read_stat(std::to_string(pid));
  if (!self) return std::nullopt;
  double total = self->own + self->children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    auto child = read_stat(name);
    if (child && child->ppid == pid) total += child->own + child->children;
  }
  return total;
}

}  // namespace exproto::bench

namespace exproto::bench {

std::optional<uint64_t> process_context_switches(pid_t pid) {
  std::error_code ec;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::filesystem::directory_iterator it(tasks, ec);
  if (ec) return std::nullopt;
  uint64_t total = 0;
  for (const auto& task : it) {
    std::ifstream in(task.path() / "status");
    std::string line;
    while (std::getline(in, line)) {
      // "voluntary_ctxt_switches:\t12" and "nonvoluntary_ctxt_switches:\t3"
      if (line.find("ctxt_switches:") == std::string::npos) continue;
      total += std::strtoull(line.c_str() + line.find(':') + 1, nullptr, 10);
    }
  }
  return total;
}

}  // namespace exproto::bench
