// Sessions: hook order, call sequencing, timers, failures, back-pressure.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

#include <exproto/codec_abi.h>

#include "harness.h"

using namespace exproto::host;
using namespace exproto::host::test;

TEST_CASE("events of one conn reach the codec in order, sessions in parallel") {
  Harness h;
  constexpr int kConns = 20, kEvents = 200;
  for (int c = 0; c < kConns; ++c) h.create("c" + std::to_string(c), 1000 + c);
  for (int i = 0; i < kEvents; ++i)
    for (int c = 0; c < kConns; ++c) h.bytes("c" + std::to_string(c), std::to_string(i));
  for (int c = 0; c < kConns; ++c) {
    const std::string conn = "c" + std::to_string(c);
    REQUIRE(wait_until([&] { return h.upstream.sends(conn).size() == kEvents + 1; }));
    const auto sends = h.upstream.sends(conn);
    CHECK(sends[0] == "open " + std::to_string(1000 + c));
    for (int i = 0; i < kEvents; ++i) CHECK(sends[i + 1] == std::to_string(i));
  }
  CHECK(h.metrics.sessions_opened.get() == kConns);
}

TEST_CASE("one upstream call in flight per session, the next starts when the previous answered") {
  Harness h;
  h.upstream.auto_answer = false;
  h.create("a");
  h.bytes("a", "one");
  h.bytes("a", "two");
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.size() == 1; }));
  // "open" is in flight; "one" and "two" wait behind it.
  CHECK(h.upstream.calls().size() == 1);
  REQUIRE(h.upstream.answer_next());
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.size() == 2; }));
  CHECK(h.upstream.calls()[1].data == "one");
  REQUIRE(h.upstream.answer_next());
  REQUIRE(h.upstream.answer_next());
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "one", "two"});
}

TEST_CASE("results come back to the codec in call order, after Authenticate") {
  Harness h;
  h.create("a");
  h.bytes("a", "auth dev1");
  h.bytes("a", "pub t/1");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 3; }));
  const auto sends = h.upstream.sends("a");
  CHECK(sends[1] == "result 2 0");  // EXPROTO_CALL_AUTHENTICATE
  CHECK(sends[2] == "result 4 0");  // EXPROTO_CALL_PUBLISH
  const auto calls = h.upstream.calls();
  CHECK(calls[1].kind == EXPROTO_CALL_AUTHENTICATE);
  CHECK(calls[1].data == "dev1");
}

TEST_CASE("host timers fire into their session in order, a cancelled timer stays silent") {
  Harness h;
  h.create("a");
  h.bytes("a", "timer 30 7");
  h.bytes("a", "timer 10 5");
  h.bytes("a", "timer 20 9");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 4; }));
  h.bytes("a", "cancel 3");  // the third timer (tag 9)
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() >= 7; }));
  const auto sends = h.upstream.sends("a");
  CHECK(sends[1] == "timer-id 1");
  CHECK(sends[3] == "timer-id 3");
  // Whichever way the cancel raced the 20 ms timer, tag 9 appears only if the cancel lost.
  std::vector<std::string> fired(sends.begin() + 4, sends.end());
  const bool cancelled = std::find(fired.begin(), fired.end(), "cancelled") != fired.end();
  CHECK(std::find(fired.begin(), fired.end(), "timer 5") != fired.end());
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() >= (cancelled ? 7u : 8u); }));
  const auto all = h.upstream.sends("a");
  CHECK((std::find(all.begin(), all.end(), "timer 9") != all.end()) == !cancelled);
  auto pos5 = std::find(all.begin(), all.end(), "timer 5");
  auto pos7 = std::find(all.begin(), all.end(), "timer 7");
  REQUIRE(pos7 != all.end());
  CHECK(pos5 < pos7);
}

TEST_CASE("a failing hook closes that conn only, and later events are dropped") {
  Harness h;
  h.create("bad");
  h.create("good", 1001);
  h.bytes("bad", "fail");
  h.bytes("bad", "after");
  h.bytes("good", "still here");
  REQUIRE(h.upstream.wait([](const auto& calls) {
    for (const auto& c : calls)
      if (c.kind == EXPROTO_CALL_CLOSE && c.conn == "bad") return true;
    return false;
  }));
  REQUIRE(wait_until([&] { return h.upstream.sends("good").size() == 2; }));
  CHECK(h.metrics.codec_failures.get() == 1);
  CHECK(h.upstream.sends("bad") == std::vector<std::string>{"open 1000"});
  // EMQX then reports the close; the session goes away.
  h.closed("bad", "{shutdown,normal}");
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 1; }));
}

TEST_CASE("an exception escaping the codec becomes a failure, not a crash") {
  Harness h;
  h.create("a");
  h.bytes("a", "throw");
  REQUIRE(wait_until([&] { return h.metrics.codec_failures.get() == 1; }));
  REQUIRE(h.upstream.wait([](const auto& calls) { return calls.back().kind == EXPROTO_CALL_CLOSE; }));
}

TEST_CASE("a codec that refuses the connection gets it closed") {
  Harness h;
  h.create("r", 666);
  REQUIRE(h.upstream.wait([](const auto& calls) {
    return !calls.empty() && calls.back().kind == EXPROTO_CALL_CLOSE && calls.back().conn == "r";
  }));
  CHECK(h.metrics.codec_failures.get() == 1);
}

TEST_CASE("CONN_PROCESS_NOT_ALIVE ends the session even without OnSocketClosed") {
  Harness h;
  h.upstream.answer_code = EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE;
  h.create("gone");
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 0; }));
  CHECK(h.metrics.conn_process_gone.get() == 1);
  CHECK(h.metrics.sessions_closed.get() == 1);
  // A late event is recognised as late, not as an unknown conn.
  h.bytes("gone", "late");
  REQUIRE(wait_until([&] { return h.metrics.late_events.get() == 1; }));
  CHECK(h.metrics.unknown_conn_events.get() == 0);
}

TEST_CASE("back-pressure: the answer to EMQX waits while calls pile up") {
  SessionsConfig limits;
  limits.max_pending_calls = 4;  // high water at 2
  Harness h(limits);
  h.upstream.auto_answer = false;
  h.create("a");
  auto first = h.bytes_tracked("a", "x1");
  REQUIRE(wait_until([&] { return first.get() == 1; }));
  // "open" in flight and "x1" queued: at the high-water mark now.
  REQUIRE(wait_until([&] { return h.upstream.calls().size() == 1; }));
  REQUIRE(wait_until([&] { return h.metrics.adapter_calls.get() == 2; }));
  auto second = h.bytes_tracked("a", "x2");
  CHECK(second.get() == 0);
  CHECK(h.metrics.backpressure_waits.get() == 1);
  REQUIRE(h.upstream.answer_next());
  REQUIRE(h.upstream.answer_next());
  REQUIRE(wait_until([&] { return second.get() == 1; }));
  while (h.upstream.answer_next(0, std::chrono::milliseconds(200))) {
  }
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "x1", "x2"});
}

TEST_CASE("a codec call beyond max_pending_calls is refused, not queued without bound") {
  SessionsConfig limits;
  limits.max_pending_calls = 2;
  Harness h(limits);
  h.upstream.auto_answer = false;
  h.create("a");
  h.bytes("a", "x1");
  h.bytes("a", "x2");  // refused: "open" and "x1" are pending
  REQUIRE(wait_until([&] { return h.metrics.codec_refused_calls.get() == 1; }));
  while (h.upstream.answer_next(0, std::chrono::milliseconds(200))) {
  }
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "x1"});
}

TEST_CASE("deliveries and keepalive timeouts reach the codec") {
  Harness h;
  h.create("a");
  event::Messages msgs;
  msgs.messages.push_back(DeliveredMessage{"n", "id", 1, "p", "t/1", "hello", 1});
  msgs.messages.push_back(DeliveredMessage{"n", "id2", 0, "p", "t/2", "world", 2});
  h.dispatcher->event(Origin::unary, "a", std::move(msgs), Ack{});
  h.dispatcher->event(Origin::unary, "a", event::KeepaliveTimeout{}, Ack{});
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() == 4; }));
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "msg t/1 hello", "msg t/2 world", "keepalive"});
}

TEST_CASE("a timer longer than EXPROTO_TIMER_MAX_DELAY_MS is refused with id 0, never fired at once") {
  Harness h;
  h.create("a");
  h.bytes("a", "timer 18446744073709551615 1");  // UINT64_MAX: wrapped negative, it used to fire at once
  h.bytes("a", "timer " + std::to_string(EXPROTO_TIMER_MAX_DELAY_MS + 1) + " 2");
  h.bytes("a", "timer " + std::to_string(EXPROTO_TIMER_MAX_DELAY_MS) + " 3");  // the bound itself is accepted
  h.bytes("a", "timer 20 4");
  REQUIRE(wait_until([&] { return h.upstream.sends("a").size() >= 6; }));
  const auto sends = h.upstream.sends("a");
  CHECK(sends[1] == "timer-id 0");
  CHECK(sends[2] == "timer-id 0");
  CHECK(sends[3] == "timer-id 1");
  CHECK(sends[4] == "timer-id 2");
  CHECK(sends[5] == "timer 4");
  CHECK(h.metrics.codec_refused_calls.get() == 2);
  // Give a wrongly armed timer time to show itself: only tag 4 may ever fire.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(h.upstream.sends("a").size() == 6);
}
