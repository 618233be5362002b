// exproto-host under systemd's notify protocol, with the test as systemd: a datagram socket at
// NOTIFY_SOCKET receives READY=1 once the handler port serves, WATCHDOG=1 pings at half of
// WATCHDOG_USEC, RELOADING=1 then READY=1 around a SIGHUP, and STOPPING=1 at SIGTERM.
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <poll.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "host/os/unique_fd.h"
#include "ports.h"
#include "process_stack.h"

using namespace faults;
using exproto::host::UniqueFd;

namespace {

// The notify socket, and the environment the host inherits pointing at it.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    REQUIRE(fd_);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof addr.sun_path);
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "400000", 1);  // pings every 200 ms
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }
  // Datagrams until one contains `wanted` or `timeout` passes; all of them, in order.
  std::vector<std::string> until(const std::string& wanted, std::chrono::milliseconds timeout) {
    std::vector<std::string> got;
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return got;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
      if (n <= 0) continue;
      got.emplace_back(buf, static_cast<std::size_t>(n));
      if (got.back().find(wanted) != std::string::npos) return got;
    }
  }

 private:
  std::filesystem::path path_;
  UniqueFd fd_;
};

bool has(const std::vector<std::string>& msgs, const std::string& wanted) {
  for (const auto& m : msgs)
    if (m.find(wanted) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("systemd: READY once serving, WATCHDOG pings, RELOADING/READY around SIGHUP, STOPPING at SIGTERM") {
  ScratchDir dir;
  NotifySocket notify(dir.path() / "notify.sock");
  auto host = HostProcess::start(host_config(free_port(), "127.0.0.1:1", free_port(), {{.port = 7993, .codec = "line"}}),
                                 dir.path());
  REQUIRE_MESSAGE(host.has_value(), (host ? "" : host.error()));

  auto msgs = notify.until("READY=1", std::chrono::seconds(10));
  REQUIRE_MESSAGE(has(msgs, "READY=1"), (*host)->log_tail());
  CHECK(has(msgs, "STATUS=serving ExProto on port " + std::to_string((*host)->handler_port())));

  // At least two pings within a second (every 200 ms while the worker pool answers).
  msgs = notify.until("WATCHDOG=1", std::chrono::seconds(2));
  REQUIRE(has(msgs, "WATCHDOG=1"));
  msgs = notify.until("WATCHDOG=1", std::chrono::seconds(2));
  CHECK(has(msgs, "WATCHDOG=1"));

  REQUIRE(::kill((*host)->pid(), SIGHUP) == 0);
  msgs = notify.until("RELOADING=1", std::chrono::seconds(5));
  CHECK(has(msgs, "RELOADING=1"));
  msgs = notify.until("READY=1", std::chrono::seconds(5));
  CHECK(has(msgs, "READY=1"));

  REQUIRE(::kill((*host)->pid(), SIGTERM) == 0);
  msgs = notify.until("STOPPING=1", std::chrono::seconds(5));
  CHECK(has(msgs, "STOPPING=1"));
  auto status = (*host)->terminate(std::chrono::seconds(15));
  REQUIRE(status.has_value());
}
