// line across a hot reload: a session exported by one instance and imported by another (the next
// generation) continues exactly where it stopped — a CONNECT still pending with lines held behind
// it, answers owed in command order, an unfinished line — and a state it cannot read is refused,
// leaving the session where it was.
#include "checked_host.h"

#include <doctest/doctest.h>

#include <string>

using namespace codectest;

namespace {

constexpr auto kOk = EXPROTO_STATUS_OK;

struct Reload {
  CheckedHost host{{.timers = false}};
  CodecLibrary library{LINE_SO, host};
  CodecInstance v1{library, "{}"};
  CodecInstance v2{library, R"({"keepalive":45})"};  // the new generation may bring a new config
  FakeSession s{v1};
};

}  // namespace

TEST_SUITE("line") {

TEST_CASE("line migration: a pending CONNECT, the lines held behind it and an unfinished line carry over") {
  Reload t;
  REQUIRE(t.s.bytes("CONNECT dev1\nSUB a/#\nPING\nPUB t/up hel") == kOk);
  REQUIRE(t.s.calls.size() == 1);  // Authenticate; the rest waits for its result

  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  REQUIRE(t.s.bytes("lo\xff\n") == kOk);
  CHECK(t.s.calls.size() == 1);        // v2 knows CONNECT is still pending: everything waits
  REQUIRE(t.s.resolve_next() == kOk);  // v1's Authenticate answered to v2
  CHECK(t.s.calls_of(CallKind::start_keepalive).at(0).number == 45);
  CHECK(t.s.calls_of(CallKind::subscribe).at(0).data == "a/#");
  CHECK(t.s.take_sent() == "OK\n");  // PONG waits for the SUB's answer
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].payload == "hello\xff");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == "OK\nPONG\nOK\n");
}

TEST_CASE("line migration: answers owed for calls v1 made are given by v2 with EMQX's code") {
  Reload t;
  REQUIRE(t.s.bytes("CONNECT dev1\n") == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  REQUIRE(t.s.take_sent() == "OK\n");
  REQUIRE(t.s.bytes("PUB t 1\nPING\n") == kOk);
  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  REQUIRE(t.s.resolve_next(EXPROTO_RESULT_PERMISSION_DENY, "not allowed") == kOk);
  const auto sent = t.s.take_sent();
  CHECK(sent.starts_with("ERROR 5"));
  CHECK(sent.ends_with("\nPONG\n"));
}

TEST_CASE("line migration: a session that QUIT stays finished on the next generation") {
  Reload t;
  REQUIRE(t.s.bytes("QUIT\n") == kOk);
  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  REQUIRE(t.s.bytes("PING\n") == kOk);
  CHECK(t.s.take_sent() == "OK\n");  // QUIT's answer only
}

TEST_CASE("line migration: an unreadable or foreign state is refused and the session stays") {
  Reload t;
  REQUIRE(t.s.bytes("CONNECT dev1\nPING\n") == kOk);
  auto [status, state] = t.s.export_state();
  REQUIRE(status == kOk);
  CHECK(t.s.import_into(t.v2, "") != kOk);
  CHECK(t.s.import_into(t.v2, state.substr(0, state.size() - 1)) != kOk);
  std::string other = state;
  const auto at = other.find("line.session/1");
  REQUIRE(at != std::string::npos);
  other[at + 13] = '2';
  CHECK(t.s.import_into(t.v2, other) != kOk);
  CHECK(t.s.logged("unknown schema \"line.session/2\""));
  REQUIRE(t.s.resolve_all() == kOk);  // still v1: no keepalive configured there
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
  CHECK(t.s.take_sent() == "OK\nPONG\n");
}

}  // TEST_SUITE
