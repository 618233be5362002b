// The harness itself: process ownership, descriptors, metrics parsing.
#include "child_process.h"
#include "prometheus.h"
#include "scratch_dir.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <thread>

using namespace faults;
using namespace std::chrono_literals;

TEST_CASE("harness: exit status, output capture, signals, and kill of a stopped process") {
  ScratchDir dir;
  auto quits = ChildProcess::spawn({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"}, dir / "q.out", dir / "q.err");
  REQUIRE(quits);
  const auto status = (*quits)->wait_exit(5s);
  REQUIRE(status);
  CHECK(status->exited);
  CHECK(status->code == 3);
  CHECK((*quits)->output() == "out\n");
  CHECK(read_file(dir / "q.err") == "err\n");

  auto sleeper = ChildProcess::spawn({"/bin/sleep", "30"}, dir / "s.out");
  REQUIRE(sleeper);
  auto& child = **sleeper;
  CHECK(child.running());
  CHECK(child.freeze());
  const auto stat = read_file("/proc/" + std::to_string(child.pid()) + "/stat");
  CHECK(stat.substr(stat.rfind(')') + 2, 1) == "T");
  CHECK_FALSE(child.wait_exit(100ms));
  const auto start = std::chrono::steady_clock::now();
  child.kill();  // SIGKILL ends a stopped process too
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  REQUIRE(child.exit_status());
  CHECK(child.exit_status()->signal == SIGKILL);
  CHECK_FALSE(child.running());
  CHECK_FALSE(child.signal(SIGCONT));

  auto missing = ChildProcess::spawn({"/nonexistent/program"}, dir / "m.out");
  REQUIRE(missing);
  const auto failed = (*missing)->wait_exit(5s);
  REQUIRE(failed);
  CHECK(failed->code == 127);
}

TEST_CASE("harness: a child inherits no descriptor of the test but stdin, stdout and stderr") {
  ScratchDir dir;
  // A socket without close-on-exec, as a test's device or a library's might be.
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(socket_fd >= 3);
  auto child = ChildProcess::spawn({"/bin/sleep", "30"}, dir / "s.out");
  REQUIRE(child);
  const auto fd_dir = std::filesystem::path("/proc") / std::to_string((*child)->pid()) / "fd";
  const auto exe = std::filesystem::path("/proc") / std::to_string((*child)->pid()) / "exe";
  // Look once the child is the new program, not the forked copy of the test.
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::error_code ec;
  while (std::filesystem::read_symlink(exe, ec).filename() != "sleep" && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  std::vector<std::string> fds;
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) fds.push_back(entry.path().filename());
  std::sort(fds.begin(), fds.end());
  CHECK(fds == std::vector<std::string>{"0", "1", "2"});
  ::close(socket_fd);
}

TEST_CASE("harness: Prometheus text") {
  const auto metrics = parse_prometheus(
      "# HELP exproto_sessions_active Sessions alive\n"
      "# TYPE exproto_sessions_active gauge\n"
      "exproto_sessions_active 3\n"
      "\n"
      "exproto_x_total{route=\"a b}\",kind=\"q\\\"x\"} 1.5e3 1700000000\n"
      "exproto_ratio NaN\n"
      "exproto_inf +Inf\r\n");
  REQUIRE(metrics);
  CHECK(metrics->at("exproto_sessions_active") == 3);
  CHECK(metrics->at("exproto_x_total{route=\"a b}\",kind=\"q\\\"x\"}") == 1500);
  CHECK(std::isnan(metrics->at("exproto_ratio")));
  CHECK(std::isinf(metrics->at("exproto_inf")));
  CHECK_FALSE(parse_prometheus("exproto_no_value\n"));
  CHECK_FALSE(parse_prometheus("exproto_bad 12abc\n"));
  CHECK_FALSE(parse_prometheus("exproto_open{a=\"b\" 1\n"));
}
