// Reliability of the host core: reconciliation probes, calls of finished sessions, memory bounds
// in bytes, the recently-closed cap, streaming unknown-conn policies, stale-session replacement
// and the hook watchdog.
#include <doctest/doctest.h>

#include <string>
#include <thread>

#include "harness.h"
#include "host/session/reconciler.h"
#include "host/session/session.h"

using namespace exproto::host;
using namespace exproto::host::test;

namespace {
std::size_t count_kind(const FakeUpstream& u, int32_t kind, const std::string& conn) {
  std::size_t n = 0;
  for (const auto& c : u.calls())
    if (c.kind == kind && c.conn == conn) ++n;
  return n;
}

void probe_all(Harness& h) {
  h.dispatcher->for_each_session([](Session& s) { s.probe(); });
}
}  // namespace

TEST_CASE("a probe of a conn EMQX forgot ends its session, the codec never sees the probe") {
  Harness h;
  h.create("gone");
  h.create("alive", 1001);
  REQUIRE(wait_until([&] { return h.upstream.sends("gone").size() == 1 && h.upstream.sends("alive").size() == 1; }));
  h.upstream.auto_answer = false;
  probe_all(h);
  // One zero-length Send per session.
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.size() == 4; }));
  CHECK(h.upstream.sends("gone").back().empty());
  CHECK(h.upstream.sends("alive").back().empty());
  // Calls are answered in arrival order; find which is which from the record.
  const auto calls = h.upstream.calls();
  for (std::size_t i = 2; i < 4; ++i) {
    REQUIRE(h.upstream.answer_next(calls[i].conn == "gone" ? EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE
                                                           : EXPROTO_RESULT_SUCCESS));
  }
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 1; }));
  CHECK(h.metrics.sessions_swept.get() == 1);
  CHECK(h.metrics.probes_sent.get() == 2);
  CHECK(h.metrics.sessions_active.get() == 1);
  // The live one is untouched and its codec saw no result for the probe.
  h.upstream.auto_answer = true;
  h.bytes("alive", "still here");
  REQUIRE(wait_until([&] { return h.upstream.sends("alive").size() == 3; }));
  CHECK(h.upstream.sends("alive") == std::vector<std::string>{"open 1001", "", "still here"});
}

TEST_CASE("a probe is not sent while one is outstanding or a call is in flight") {
  Harness h;
  h.upstream.auto_answer = false;
  h.create("a");
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.size() == 1; }));  // "open" in flight
  probe_all(h);
  probe_all(h);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.upstream.calls().size() == 1);
  CHECK(h.metrics.probes_sent.get() == 0);
  REQUIRE(h.upstream.answer_next());
  probe_all(h);
  probe_all(h);
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.size() == 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.upstream.calls().size() == 2);
  REQUIRE(h.upstream.answer_next());
}

TEST_CASE("the reconciler probes idle sessions only, and sweeps everything on request") {
  SessionsConfig limits;
  limits.probe_idle_s = 1;
  limits.probe_rate = 1000;
  Harness h(limits);
  h.create("idle");
  h.create("busy", 1001);
  Reconciler reconciler(*h.dispatcher, limits);
  // Keep "busy" talking; "idle" says nothing and gets probed (answered SUCCESS: it stays).
  for (int i = 0; i < 30; ++i) {
    h.bytes("busy", "tick");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(wait_until([&] { return h.metrics.probes_sent.get() >= 1; }));
  CHECK(count_kind(h.upstream, EXPROTO_CALL_SEND, "idle") >= 2);
  const auto idle_sends = h.upstream.sends("idle");
  CHECK(idle_sends.back().empty());
  for (const auto& s : h.upstream.sends("busy")) CHECK(!s.empty());
  CHECK(h.dispatcher->session_count() == 2);
  // EMQX came back after an outage and remembers nothing: every session goes.
  h.upstream.answer_code = EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE;
  reconciler.sweep_all();
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 0; }));
  CHECK(h.metrics.sessions_swept.get() == 2);
}

TEST_CASE("a probe that got no answer is tried again a second later, and then sweeps") {
  SessionsConfig limits;
  limits.probe_idle_s = 0;
  Harness h(limits);
  h.create("gone");
  REQUIRE(wait_until([&] { return h.upstream.sends("gone").size() == 1; }));
  Reconciler reconciler(*h.dispatcher, limits);
  *h.reprobe = [&](std::weak_ptr<Session> s) { reconciler.retry_later(std::move(s)); };
  h.upstream.answer_code = EXPROTO_RESULT_HOST_UNAVAILABLE;  // EMQX overloaded: no answer
  reconciler.sweep_all();
  REQUIRE(wait_until([&] { return h.metrics.probes_sent.get() == 1; }));
  CHECK(h.dispatcher->session_count() == 1);
  h.upstream.answer_code = EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE;
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 0; }, std::chrono::seconds(4)));
  CHECK(h.metrics.probes_sent.get() == 2);
  CHECK(h.metrics.sessions_swept.get() == 1);
  *h.reprobe = nullptr;
}

TEST_CASE("calls queued by a session that finished are dropped, not sent") {
  Harness h;
  h.upstream.auto_answer = false;
  h.create("a");
  h.bytes("a", "x1");
  h.bytes("a", "x2");
  REQUIRE(wait_until([&] { return h.metrics.adapter_calls.get() == 3; }));
  h.closed("a");
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 0; }));
  CHECK(h.metrics.adapter_calls_dropped.get() == 2);
  REQUIRE(h.upstream.answer_next());  // "open" was in flight
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.upstream.calls().size() == 1);
  CHECK(h.metrics.queued_bytes.get() == 0);
}

TEST_CASE("a second OnSocketCreated for a live conn replaces its stale session") {
  Harness h;
  h.create("pid", 1000);
  h.bytes("pid", "old state");
  REQUIRE(wait_until([&] { return h.upstream.sends("pid").size() == 2; }));
  h.create("pid", 2000);  // EMQX reused the pid; the old device is gone
  REQUIRE(wait_until([&] { return h.upstream.sends("pid").size() == 3; }));
  CHECK(h.upstream.sends("pid")[2] == "open 2000");
  CHECK(h.metrics.sessions_replaced.get() == 1);
  REQUIRE(wait_until([&] { return h.metrics.sessions_closed.get() == 1; }));
  CHECK(h.dispatcher->session_count() == 1);
  CHECK(h.metrics.sessions_active.get() == 1);
  // The new session is the one serving, and no Close was asked for the live conn.
  h.bytes("pid", "new");
  REQUIRE(wait_until([&] { return h.upstream.sends("pid").size() == 4; }));
  CHECK(count_kind(h.upstream, EXPROTO_CALL_CLOSE, "pid") == 0);
}

TEST_CASE("recently closed conns are capped when remembered, not only when looked up") {
  Harness h;
  const std::size_t n = Dispatcher::kClosedMemoryMax + 500;
  for (std::size_t i = 0; i < n; ++i) h.closed("c" + std::to_string(i));  // unknown closes are remembered
  CHECK(h.dispatcher->recently_closed_count() <= Dispatcher::kClosedMemoryMax);
  CHECK(h.dispatcher->recently_closed_count() >= Dispatcher::kClosedMemoryMax - 1);
  CHECK(h.metrics.recently_closed.get() <= static_cast<int64_t>(Dispatcher::kClosedMemoryMax));
}

TEST_CASE("streaming, policy ignore: held events that never get their OnSocketCreated are dropped, not closed") {
  SessionsConfig limits;
  limits.stream_hold_ms = 50;
  limits.unknown_conn = UnknownConnPolicy::ignore;
  Harness h(limits);
  auto ack = h.bytes_tracked("s", "one", Origin::streaming);
  CHECK(ack.get() == 1);  // read on at once
  REQUIRE(wait_until([&] { return h.metrics.held_events_expired.get() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(h.upstream.calls().empty());
  CHECK(h.dispatcher->held_count() == 0);
}

TEST_CASE("streaming, policy reject: a held event's answer waits and then fails") {
  SessionsConfig limits;
  limits.stream_hold_ms = 100;
  limits.unknown_conn = UnknownConnPolicy::reject;
  Harness h(limits);
  auto ack = h.bytes_tracked("s", "one", Origin::streaming);
  CHECK(ack.get() == 0);
  REQUIRE(wait_until([&] { return ack.get() == 2; }));
  CHECK(h.upstream.calls().empty());
  // A conn whose OnSocketCreated arrives in time gets its held answers OK.
  auto ack2 = h.bytes_tracked("t", "two", Origin::streaming);
  CHECK(ack2.get() == 0);
  h.create("t", 1000, Origin::streaming);
  REQUIRE(wait_until([&] { return ack2.get() == 1; }));
  REQUIRE(wait_until([&] { return h.upstream.sends("t").size() == 2; }));
}

TEST_CASE("streaming: stale conns cannot fill the hold budget at the expense of new ones") {
  SessionsConfig limits;
  limits.max_held_events = 40;
  limits.stream_hold_ms = 5000;
  Harness h(limits);
  // After a host restart EMQX sends events for conns the host never saw: they pile up...
  for (int i = 0; i < 100; ++i) h.bytes("stale" + std::to_string(i % 10), "x", Origin::streaming);
  CHECK(h.dispatcher->held_count() <= 40);
  // ...one conn's share is bounded...
  CHECK(h.metrics.held_events_expired.get() > 0);
  // ...and a new device whose bytes overtake its OnSocketCreated is still held and served.
  h.bytes("fresh", "hello", Origin::streaming);
  h.create("fresh", 1000, Origin::streaming);
  REQUIRE(wait_until([&] { return h.upstream.sends("fresh").size() == 2; }));
  CHECK(h.upstream.sends("fresh")[1] == "hello");
}

TEST_CASE("per-session queued bytes apply back-pressure") {
  SessionsConfig limits;
  limits.inline_hooks = false;  // the pool is what is tested
  limits.max_queued_bytes = 4096;
  Harness h(limits, 1);
  h.create("a");
  // The single worker is busy in a slow hook, so events queue up.
  h.bytes("a", "sleep 300");
  auto first = h.bytes_tracked("a", std::string(3000, 'a'));
  CHECK(first.get() == 1);
  auto second = h.bytes_tracked("a", std::string(3000, 'b'));
  CHECK(second.get() == 0);  // 6000 > 4096 queued bytes: EMQX waits
  CHECK(h.metrics.backpressure_waits.get() == 1);
  REQUIRE(wait_until([&] { return second.get() == 1; }));
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 4; }));
  REQUIRE(wait_until([&] { return h.metrics.queued_bytes.get() == 0; }));
}

TEST_CASE("past the host-wide byte budget an event is refused and only its conn is closed") {
  SessionsConfig limits;
  limits.inline_hooks = false;  // the pool is what is tested
  limits.max_queued_bytes = 1 << 20;
  limits.max_total_queued_bytes = 1 << 20;
  Harness h(limits, 1);
  h.create("a");
  h.create("b", 1001);
  REQUIRE(wait_until([&] { return h.upstream.sends("b").size() == 1; }));
  h.bytes("a", "sleep 300");  // the single worker is held
  auto fits = h.bytes_tracked("a", std::string(300 * 1024, 'x'));
  auto refused = h.bytes_tracked("b", std::string(800 * 1024, 'y'));
  CHECK(refused.get() == 2);
  CHECK(h.metrics.events_refused.get() == 1);
  REQUIRE(wait_until([&] {
    return count_kind(h.upstream, EXPROTO_CALL_CLOSE, "b") == 1 && h.upstream.sends("a").size() == 3;
  }));
  CHECK(count_kind(h.upstream, EXPROTO_CALL_CLOSE, "a") == 0);
  REQUIRE(wait_until([&] { return fits.get() == 1; }));
  REQUIRE(wait_until([&] { return h.metrics.queued_bytes.get() == 0; }));
}

TEST_CASE("a codec call over the session's byte limit is refused") {
  SessionsConfig limits;
  limits.max_queued_bytes = 8192;
  Harness h(limits);
  h.upstream.auto_answer = false;
  h.create("a");
  h.bytes("a", "bigpub 3000");
  h.bytes("a", "bigpub 3000");  // 6000 pending
  h.bytes("a", "bigpub 3000");  // 9000 > 8192: refused
  REQUIRE(wait_until([&] { return h.metrics.codec_refused_calls.get() == 1; }));
  while (h.upstream.answer_next(0, std::chrono::milliseconds(200))) {
  }
  CHECK(count_kind(h.upstream, EXPROTO_CALL_PUBLISH, "a") == 2);
}

TEST_CASE("watchdog: a hook past hook_timeout_ms gets a replacement worker and its session is closed") {
  SessionsConfig limits;
  limits.inline_hooks = false;  // the pool is what is tested
  limits.hook_timeout_ms = 100;
  limits.max_extra_workers = 2;
  Harness h(limits, 1);
  h.create("slow");
  h.create("other", 1001);
  REQUIRE(wait_until([&] { return h.upstream.sends("other").size() == 1; }));
  h.bytes("slow", "sleep 1500");
  // With its only worker stuck, the pool still serves another session.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  h.bytes("other", "ping");
  REQUIRE(wait_until([&] { return h.upstream.sends("other").size() == 2; }, std::chrono::milliseconds(1000)));
  CHECK(h.metrics.hook_overruns.get() == 1);
  CHECK(h.metrics.pool_workers_added.get() == 1);
  CHECK(h.pool->threads() == 2);
  // When the hook returns its session is closed through EMQX, and the extra worker retires.
  REQUIRE(wait_until([&] { return count_kind(h.upstream, EXPROTO_CALL_CLOSE, "slow") == 1; }));
  REQUIRE(wait_until([&] { return h.pool->threads() == 1; }));
  CHECK(h.metrics.pool_workers_stuck.get() == 0);
  CHECK(count_kind(h.upstream, EXPROTO_CALL_CLOSE, "other") == 0);
}

TEST_CASE("watchdog: replacements are bounded by max_extra_workers") {
  SessionsConfig limits;
  limits.inline_hooks = false;  // the pool is what is tested
  limits.hook_timeout_ms = 50;
  limits.max_extra_workers = 1;
  Harness h(limits, 1);
  for (int i = 0; i < 3; ++i) h.create("s" + std::to_string(i), 1000 + i);
  REQUIRE(wait_until([&] { return h.metrics.sessions_opened.get() == 3 && h.upstream.calls().size() == 3; }));
  for (int i = 0; i < 3; ++i) h.bytes("s" + std::to_string(i), "sleep 600");
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(h.pool->threads() <= 2);
  CHECK(h.metrics.pool_workers_added.get() == 1);
  REQUIRE(wait_until([&] { return h.metrics.hook_overruns.get() == 3; }, std::chrono::seconds(5)));
  REQUIRE(wait_until([&] { return h.pool->threads() == 1; }));
}

TEST_CASE("wait_idle waits for a replaced session still running a hook") {
  Harness h;
  h.create("pid", 1000);
  REQUIRE(wait_until([&] { return h.upstream.sends("pid").size() == 1; }));
  // The old device's hook runs on another thread (inline on the caller's) for 1.5 s: long enough
  // for the checks below on a loaded machine.
  std::thread old_device([&] { h.bytes("pid", "sleep 1500"); });
  REQUIRE(wait_until([&] { return !h.dispatcher->wait_idle(std::chrono::steady_clock::now()); }));
  h.create("pid", 2000);  // EMQX reused the pid: the old session leaves the table while busy
  REQUIRE(wait_until([&] { return h.upstream.sends("pid").size() >= 2; }));
  CHECK(h.dispatcher->session_count() == 1);
  // The new session is idle, the replaced one is still in its hook: not idle yet.
  CHECK_FALSE(h.dispatcher->wait_idle(std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
  CHECK(h.dispatcher->wait_idle(std::chrono::steady_clock::now() + std::chrono::seconds(5)));
  old_device.join();
  CHECK(h.upstream.sends("pid").back() == "slept");
}
