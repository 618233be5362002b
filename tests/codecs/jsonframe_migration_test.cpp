// jsonframe across a hot reload: a session exported by one instance and imported by another (the
// next generation) continues exactly where it stopped — replies owed, request ids still pending,
// an unfinished frame cut inside a string — and a state it cannot read is refused, leaving the
// session where it was.
#include "checked_host.h"

#include <doctest/doctest.h>

#include <string>

using namespace codectest;

namespace {

constexpr auto kOk = EXPROTO_STATUS_OK;

struct Reload {
  CheckedHost host{{.timers = false}};
  CodecLibrary library{JSONFRAME_SO, host};
  CodecInstance v1{library, "{}"};
  CodecInstance v2{library, "{}"};
  FakeSession s{v1};
};

}  // namespace

TEST_SUITE("jsonframe") {

TEST_CASE("jsonframe migration: owed replies, pending results and an unfinished frame carry over") {
  Reload t;
  const std::string publish = R"({"type":3,"topic":"t/}","qos":1,"payload":"a\"\u00e9"})";
  const auto cut = publish.find("\\\"") + 1;  // right after a backslash inside a string
  REQUIRE(t.s.bytes(R"({"type":1,"clientinfo":{"clientid":"c1","keepalive":30},"password":"p"})"
                    R"({"type":5,"topic":"s/#","qos":1})" + publish.substr(0, cut)) == kOk);
  REQUIRE(t.s.calls.size() == 2);  // Authenticate, Subscribe; the PUBLISH is not complete yet

  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  // the results of calls v1 made arrive at v2, which owes the replies
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.calls_of(CallKind::start_keepalive).size() == 1);
  CHECK(t.s.take_sent() == R"({"type":2,"code":0})");
  REQUIRE(t.s.resolve_next(EXPROTO_RESULT_PERMISSION_DENY) == kOk);
  CHECK(t.s.take_sent() == R"({"type":6,"code":1})");

  REQUIRE(t.s.bytes(publish.substr(cut)) == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == "t/}");
  CHECK(pubs[0].payload == "a\"\xc3\xa9");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":0})");
}

TEST_CASE("jsonframe migration: a session that asked to close stays closed on the next generation") {
  Reload t;
  REQUIRE(t.s.bytes(R"({"type":1,"clientinfo":{"clientid":"c1"},"password":"p"})"
                    R"({"type":3,"topic":"t","qos":0,"payload":"x"}{"type":9})") == kOk);
  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":2,"code":0}{"type":4,"code":0})");
  CHECK(t.s.close_requested());
  REQUIRE(t.s.bytes(R"({"type":3,"topic":"t","qos":0,"payload":"late"})") == kOk);
  CHECK(t.s.calls_of(CallKind::publish).size() == 1);  // input after DISCONNECT is ignored
}

TEST_CASE("jsonframe migration: device bytes that are not UTF-8 survive the state byte for byte") {
  Reload t;
  FakeSession plain{t.v1, "plain"};  // the same input without a reload
  const std::string frame = "{\"type\":3,\"topic\":\"t\",\"qos\":0,\"payload\":\"\xff\xfe\"}";
  for (FakeSession* s : {&t.s, &plain}) {
    REQUIRE(s->bytes(R"({"type":1,"clientinfo":{"clientid":"c1"},"password":"p"})") == kOk);
    REQUIRE(s->resolve_all() == kOk);
  }
  REQUIRE(t.s.bytes(frame.substr(0, frame.size() - 3)) == kOk);
  REQUIRE(t.s.migrate_to(t.v2) == kOk);
  // had the state turned the raw bytes into text (U+FFFD), the frame would now parse differently
  CHECK(t.s.bytes(frame.substr(frame.size() - 3)) == plain.bytes(frame));
  CHECK(t.s.calls_of(CallKind::publish).size() == plain.calls_of(CallKind::publish).size());
}

TEST_CASE("jsonframe migration: an unreadable or foreign state is refused and the session stays") {
  Reload t;
  REQUIRE(t.s.bytes(R"({"type":1,"clientinfo":{"clientid":"c1"},"password":"p"})") == kOk);
  auto [status, state] = t.s.export_state();
  REQUIRE(status == kOk);
  CHECK(t.s.import_into(t.v2, "not cbor at all") != kOk);
  CHECK(t.s.import_into(t.v2, state.substr(0, state.size() / 2)) != kOk);
  std::string other = state;
  const auto at = other.find("jsonframe.session/1");
  REQUIRE(at != std::string::npos);
  other[at + 18] = '9';  // "jsonframe.session/9": a schema this version does not know
  CHECK(t.s.import_into(t.v2, other) != kOk);
  CHECK(t.s.logged("unknown schema \"jsonframe.session/9\""));
  // still on v1, which still owes the CONNACK
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":2,"code":0})");
}

}  // TEST_SUITE
