// The fault-mode fixture codecs do what other tests rely on: echo lines, and fail exactly as
// named when told to. Fatal faults run in a forked child so the test process survives them.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "fake_host.h"

using namespace codectest;
using namespace std::chrono_literals;

namespace {

std::string fixture(const std::string& mode) {
  return std::string(EXPROTO_FIXTURE_DIR) + "/fault_" + mode + "/fault_" + mode + ".so";
}

struct Codec {
  explicit Codec(const std::string& mode, std::string_view config = "{}")
      : library(fixture(mode), host), codec(library, config) {}
  FakeHost host;
  CodecLibrary library;
  CodecInstance codec;
};

// How a forked child running `body` ended: its signal, 0 for a normal exit, or -1 when it was
// still running after `limit` (it is killed then).
int signal_of_child(const std::function<void()>& body, std::chrono::milliseconds limit = 5s) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // noexcept: an exception escaping the codec must end this child (std::terminate), never reach
    // the test runner's handlers that the fork copied.
    [&]() noexcept { body(); }();
    ::_exit(0);
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(10ms);
  }
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

long resident_kib() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

}  // namespace

TEST_CASE("fault fixtures: every mode echoes lines, across chunks") {
  for (const char* mode : {"none", "segv", "throw", "spin", "slow", "leak"}) {
    CAPTURE(mode);
    Codec c(mode);
    CHECK(std::string(c.library.descriptor().name) == std::string("fault_") + mode);
    FakeSession s(c.codec);
    REQUIRE(s.bytes("hel") == EXPROTO_STATUS_OK);
    CHECK(s.take_sent().empty());
    REQUIRE(s.bytes("lo\r\nworld\n") == EXPROTO_STATUS_OK);
    CHECK(s.take_sent() == "hello\nworld\n");
  }
}

TEST_CASE("fault fixtures: mode none treats FAULT as a line") {
  Codec c("none");
  FakeSession s(c.codec);
  REQUIRE(s.bytes("FAULT\nFAULT 5\n") == EXPROTO_STATUS_OK);
  CHECK(s.take_sent() == "FAULT\nFAULT 5\n");
}

TEST_CASE("fault fixtures: TIMER starts a host timer whose firing reaches the device") {
  Codec c("none");
  FakeSession s(c.codec);
  REQUIRE(s.bytes("TIMER 250 7\n") == EXPROTO_STATUS_OK);
  CHECK(s.take_sent() == "TIMER 250 7\n");
  const auto timers = s.active_timers();
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].delay_ms == 250);
  CHECK(timers[0].tag == 7);
  REQUIRE(s.fire(timers[0].id) == EXPROTO_STATUS_OK);
  CHECK(s.take_sent() == "TIMER 7 FIRED\n");
}

TEST_CASE("fault fixtures: a half line migrates to another generation") {
  FakeHost host;
  CodecLibrary v1(std::string(EXPROTO_FIXTURE_DIR) + "/fault_reload_v1/fault_reload.so", host);
  CodecLibrary v2(std::string(EXPROTO_FIXTURE_DIR) + "/fault_reload_v2/fault_reload.so", host);
  CHECK(std::string(v1.descriptor().version) == "1.0.0");
  CHECK(std::string(v2.descriptor().version) == "2.0.0");
  CodecInstance one(v1, "{}"), two(v2, "{}");
  FakeSession s(one);
  REQUIRE(s.bytes("hel") == EXPROTO_STATUS_OK);
  REQUIRE(s.migrate_to(two) == EXPROTO_STATUS_OK);
  REQUIRE(s.bytes("lo\n") == EXPROTO_STATUS_OK);
  CHECK(s.take_sent() == "hello\n");
}

TEST_CASE("fault fixtures: slow sleeps the given milliseconds, then echoes") {
  Codec c("slow");
  FakeSession s(c.codec);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(s.bytes("FAULT 120\n") == EXPROTO_STATUS_OK);
  CHECK(std::chrono::steady_clock::now() - start >= 120ms);
  CHECK(s.take_sent() == "FAULT 120\n");
}

TEST_CASE("fault fixtures: leak keeps the memory it takes") {
  Codec c("leak", R"({"leak_per_event_kib": 1024})");
  FakeSession s(c.codec);
  const long before = resident_kib();
  REQUIRE(s.bytes("FAULT 8192\n") == EXPROTO_STATUS_OK);  // 8 MiB + 1 MiB for the event
  CHECK(s.take_sent() == "FAULT 8192\n");
  CHECK(resident_kib() - before >= 8 * 1024);
}

TEST_CASE("fault fixtures: segv, throw and spin fail on FAULT") {
  CHECK(signal_of_child([] {
          Codec c("segv");
          FakeSession s(c.codec);
          s.bytes("FAULT\n");
        }) == SIGSEGV);
  CHECK(signal_of_child([] {
          Codec c("throw");
          FakeSession s(c.codec);
          s.bytes("FAULT\n");
        }) == SIGABRT);  // std::terminate
  CHECK(signal_of_child(
            [] {
              Codec c("spin");
              FakeSession s(c.codec);
              s.bytes("FAULT\n");
            },
            500ms) == -1);
}

TEST_CASE("fault fixtures: fault_on open and create") {
  CHECK(signal_of_child([] {
          Codec c("segv", R"({"fault_on": "open"})");
          FakeSession s(c.codec);
        }) == SIGSEGV);
  CHECK(signal_of_child([] { Codec c("segv", R"({"fault_on":"create"})"); }) == SIGSEGV);
  CHECK(signal_of_child([] { Codec c("throw", R"({"fault_on":"create"})"); }) == SIGABRT);
  // Faulting only where configured: slow sleeps slow_ms in on_session_open, and a FAULT line is
  // then just a line.
  Codec c("slow", R"({"fault_on": "open", "slow_ms": 100})");
  const auto start = std::chrono::steady_clock::now();
  FakeSession s(c.codec);
  CHECK(std::chrono::steady_clock::now() - start >= 100ms);
  REQUIRE(s.bytes("FAULT 5000\n") == EXPROTO_STATUS_OK);
  CHECK(s.take_sent() == "FAULT 5000\n");
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}
