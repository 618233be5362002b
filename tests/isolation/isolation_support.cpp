#include "isolation_support.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

namespace isotest {

namespace fs = std::filesystem;

PluginsDir::PluginsDir() {
  const auto unique = std::chrono::steady_clock::now().time_since_epoch().count();
  dir_ = fs::temp_directory_path() / ("exproto-iso-" + std::to_string(::getpid()) + "-" + std::to_string(unique));
  fs::remove_all(dir_);
  fs::create_directories(dir_);
}

PluginsDir::~PluginsDir() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PluginsDir::install(const std::string& variant, const std::string& file) {
  const fs::path from = fs::path(EXPROTO_FIXTURE_DIR) / variant / file;
  const fs::path temp = dir_ / ("." + file + ".new");
  fs::copy_file(from, temp, fs::copy_options::overwrite_existing);
  fs::rename(temp, dir_ / file);
}

void isolate(exproto::host::Config& config, std::size_t index) {
  REQUIRE(index < config.routes.size());
  config.routes[index].isolation = exproto::host::Isolation::process;
  config.isolation.runner = EXPROTO_HOST_BIN;
}

std::vector<pid_t> runner_pids() {
  std::vector<std::pair<unsigned long long, pid_t>> found;  // start time, pid
  const pid_t self = ::getpid();
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ... field 22 is the start time; comm may hold spaces, so parse after ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid != self || state == "Z") continue;
    std::string field;
    for (int i = 5; i < 22; ++i) rest >> field;
    unsigned long long start = 0;
    rest >> start;
    std::ifstream cmdline(entry.path() / "cmdline");
    const std::string args((std::istreambuf_iterator<char>(cmdline)), {});
    if (args.find("codec-runner") == std::string::npos) continue;
    found.emplace_back(start, static_cast<pid_t>(std::stoi(name)));
  }
  std::sort(found.begin(), found.end());
  std::vector<pid_t> pids;
  for (const auto& [start, pid] : found) pids.push_back(pid);
  return pids;
}

std::optional<pid_t> wait_new_runner(const std::vector<pid_t>& old, std::chrono::milliseconds timeout) {
  std::optional<pid_t> fresh;
  itest::wait_until(
      [&] {
        for (pid_t p : runner_pids()) {
          if (std::find(old.begin(), old.end(), p) == old.end()) fresh = p;
        }
        return fresh.has_value();
      },
      timeout);
  return fresh;
}

bool echoes(itest::TcpClient& device, const std::string& line, std::chrono::milliseconds timeout) {
  device.write(line + "\n");
  const auto got = device.read_line(timeout);
  return got && *got == line;
}

std::optional<std::chrono::milliseconds> time_to_serve(uint16_t port, std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto device = std::make_unique<itest::TcpClient>(port);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (echoes(*device, "are you there", std::min<std::chrono::milliseconds>(left, 500ms))) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    }
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

}  // namespace isotest
