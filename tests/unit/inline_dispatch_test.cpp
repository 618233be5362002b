// Inline dispatch: an idle session runs its hook on the thread the event arrived on; a busy one
// queues; results that arrive while a hook runs wait for it; a codec that overruns is moved to
// the pool. Ordering guarantees are the ones session_test.cpp checks for the pool.
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <thread>

#include "harness.h"

using namespace exproto::host;
using namespace exproto::host::test;

namespace {
std::string this_thread_tag() {
  return "thread " + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
}
}  // namespace

TEST_CASE("inline: an idle session runs the hook on the thread that delivered the event") {
  Harness h;
  h.create("a");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 1; }));  // open ran on the pool
  h.bytes("a", "whoami");
  // Ran before bytes() returned, on this thread.
  REQUIRE(h.upstream.sends("a").size() == 2);
  CHECK(h.upstream.sends("a")[1] == this_thread_tag());
}

TEST_CASE("inline: off, every hook runs on the pool") {
  SessionsConfig limits;
  limits.inline_hooks = false;
  Harness h(limits);
  h.create("a");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 1; }));
  h.bytes("a", "whoami");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 2; }));
  CHECK(h.upstream.sends("a")[1] != this_thread_tag());
}

TEST_CASE("inline: a result that arrives while its hook still runs is delivered after the hook, in order") {
  Harness h;  // FakeUpstream answers inside call(): the completion comes back before the hook returns
  h.create("a");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 1; }));
  h.bytes("a", "callpub");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 3; }));
  // "after-call" was sent by the same hook that published; the publish result came after it.
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "after-call", "result 4 0"});
}

TEST_CASE("inline: events of a busy session queue behind it and keep their order") {
  Harness h;
  h.create("a");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 1; }));
  std::thread slow([&] { h.bytes("a", "sleep 200"); });  // runs inline on that thread
  REQUIRE(wait_until([&] { return h.metrics.events_received.get() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (int i = 0; i < 20; ++i) h.bytes("a", std::to_string(i));  // queued: the session is busy
  slow.join();
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 22; }));
  const auto sends = h.upstream.sends("a");
  CHECK(sends[1] == "slept");
  for (int i = 0; i < 20; ++i) CHECK(sends[i + 2] == std::to_string(i));
}

TEST_CASE("inline: a codec whose inline hook overruns is reported, its session closed, and it moves to the pool") {
  SessionsConfig limits;
  limits.hook_timeout_ms = 50;
  Harness h(limits);
  h.create("a");
  h.create("b", 1001);
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 1 && h.upstream.sends("b").size() == 1; }));
  h.bytes("a", "sleep 300");  // inline, on this thread
  CHECK(h.metrics.hook_overruns.get() == 1);
  CHECK(h.metrics.pool_workers_added.get() == 0);  // not a pool thread: nothing to replace
  REQUIRE(wait_until([&] {
    for (const auto& c : h.upstream.calls())
      if (c.kind == EXPROTO_CALL_CLOSE && c.conn == "a") return true;
    return false;
  }));
  h.bytes("b", "whoami");
  REQUIRE(wait_until([&] { return h.upstream.sends("b").size() == 2; }));
  CHECK(h.upstream.sends("b")[1] != this_thread_tag());  // demoted: the pool runs it now
}
