// Dispatcher: routing, unknown conns, streaming reorder, late events.
#include <doctest/doctest.h>

#include "harness.h"

using namespace exproto::host;
using namespace exproto::host::test;

namespace {
bool closed_by_host(const FakeUpstream& u, const std::string& conn) {
  return u.wait([&](const auto& calls) {
    for (const auto& c : calls)
      if (c.kind == EXPROTO_CALL_CLOSE && c.conn == conn) return true;
    return false;
  });
}
}  // namespace

TEST_CASE("a conn on a listener no route names is closed") {
  Harness h;
  h.create("x", 1000, Origin::unary, 9999);
  REQUIRE(closed_by_host(h.upstream, "x"));
  CHECK(h.metrics.unrouted_conns.get() == 1);
  CHECK(h.dispatcher->session_count() == 0);
}

TEST_CASE("unknown conn, policy close: EMQX is asked to close it, once") {
  Harness h;
  auto ack = h.bytes_tracked("ghost", "hi");
  CHECK(ack.get() == 1);
  REQUIRE(closed_by_host(h.upstream, "ghost"));
  h.bytes("ghost", "again");
  CHECK(h.metrics.unknown_conn_events.get() == 1);
  CHECK(h.metrics.late_events.get() == 1);
  CHECK(h.upstream.calls().size() == 1);
}

TEST_CASE("unknown conn, policy reject: the call fails") {
  SessionsConfig limits;
  limits.unknown_conn = UnknownConnPolicy::reject;
  Harness h(limits);
  auto ack = h.bytes_tracked("ghost", "hi");
  CHECK(ack.get() == 2);
  CHECK(h.upstream.calls().empty());
}

TEST_CASE("unknown conn, policy ignore: answered OK, nothing sent") {
  SessionsConfig limits;
  limits.unknown_conn = UnknownConnPolicy::ignore;
  Harness h(limits);
  auto ack = h.bytes_tracked("ghost", "hi");
  CHECK(ack.get() == 1);
  CHECK(h.upstream.calls().empty());
  CHECK(h.metrics.unknown_conn_events.get() == 1);
}

TEST_CASE("streaming: events that overtake OnSocketCreated are held, then replayed in order") {
  Harness h;
  h.bytes("s", "one", Origin::streaming);
  h.bytes("s", "two", Origin::streaming);
  CHECK(h.dispatcher->held_count() == 2);
  CHECK(h.upstream.calls().empty());
  h.create("s", 1000, Origin::streaming);
  REQUIRE(wait_until([&] { return h.upstream.sends("s").size() == 3; }));
  CHECK(h.upstream.sends("s") == std::vector<std::string>{"open 1000", "one", "two"});
  CHECK(h.dispatcher->held_count() == 0);
  CHECK(h.metrics.held_events.get() == 2);
}

TEST_CASE("streaming: held events whose OnSocketCreated never comes expire and close the conn") {
  SessionsConfig limits;
  limits.stream_hold_ms = 50;
  Harness h(limits);
  h.bytes("s", "one", Origin::streaming);
  REQUIRE(closed_by_host(h.upstream, "s"));
  CHECK(h.metrics.held_events_expired.get() == 1);
  CHECK(h.dispatcher->held_count() == 0);
}

TEST_CASE("streaming: past max_held_events the conn held longest gives way and gets the unknown-conn policy") {
  SessionsConfig limits;
  limits.max_held_events = 1;
  Harness h(limits);
  h.bytes("s1", "one", Origin::streaming);
  h.bytes("s2", "two", Origin::streaming);
  REQUIRE(closed_by_host(h.upstream, "s1"));
  CHECK(h.dispatcher->held_count() == 1);
  CHECK(h.metrics.held_events_evicted.get() == 1);
  h.create("s2", 1000, Origin::streaming);
  REQUIRE(wait_until([&] { return h.upstream.sends("s2").size() == 2; }));
  CHECK(h.upstream.sends("s2") == std::vector<std::string>{"open 1000", "two"});
}

TEST_CASE("streaming: a conn given up for want of room drops the events it held, once (fuzz finding)") {
  SessionsConfig limits;
  limits.max_held_events = 1;
  limits.stream_hold_ms = 60000;  // no expiry during the test: only the give-up may clear the hold
  Harness h(limits);
  h.bytes("s", "one", Origin::streaming);
  CHECK(h.dispatcher->held_count() == 1);
  // No room for a second event, and no other conn to evict: the conn itself is given up.
  h.bytes("s", "two", Origin::streaming);
  REQUIRE(closed_by_host(h.upstream, "s"));
  CHECK(h.dispatcher->held_count() == 0);  // was 1 until the 60 s expiry closed the conn again
  CHECK(h.metrics.held_events_expired.get() == 1);
  CHECK(h.upstream.calls().size() == 1);
}

TEST_CASE("OnSocketClosed ends the session and the codec sees no more events") {
  Harness h;
  h.create("a");
  h.bytes("a", "x");
  h.closed("a");
  REQUIRE(wait_until([&] { return h.dispatcher->session_count() == 0; }));
  h.bytes("a", "late");
  CHECK(h.metrics.late_events.get() == 1);
  CHECK(h.upstream.sends("a") == std::vector<std::string>{"open 1000", "x"});
  CHECK(h.metrics.sessions_active.get() == 0);
}
