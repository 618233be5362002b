// jt808 across hot reloads, differentially: two terminals go through the same conversation, one
// on a session that never moves and one whose session is exported and imported into another codec
// instance (the next generation) after every single step — mid-frame, with Authenticate pending
// and frames held behind it, with downlinks in flight and queued, retry timers running and a
// sub-package set incomplete. Every byte sent, every host call, every timer and the counters at
// close must be identical.
#include "session_rig.hpp"

#include <functional>

using namespace jt808test;

namespace {

using Step = std::function<exproto_type_status(FakeSession&)>;

struct Twins {
  explicit Twins(std::string_view config = "{}") : a(library, config), b(library, config), moving_on(&a) {}
  CheckedHost host{{.host_version = "jt808-tests"}};
  CodecLibrary library{JT808_SO, host};
  CodecInstance a, b;  // the moving session alternates between them: v1 -> v2 -> v1 ...
  FakeSession still{a, "still"};
  FakeSession moving{a, "moving"};
  const CodecInstance* moving_on;
  int migrations = 0;

  void step(const std::string& what, const Step& f) {
    CAPTURE(what);
    const auto s1 = f(still);
    const auto s2 = f(moving);
    CHECK(s1 == s2);
    compare();
    const CodecInstance& next = moving_on == &a ? b : a;
    REQUIRE(moving.migrate_to(next) == kOk);
    moving_on = &next;
    ++migrations;
  }

  void compare() {
    CHECK(hex(still.take_sent()) == hex(moving.take_sent()));
    REQUIRE(still.calls.size() == moving.calls.size());
    for (std::size_t i = 0; i < still.calls.size(); ++i) {
      CHECK(still.calls[i].kind == moving.calls[i].kind);
      CHECK(still.calls[i].data == moving.calls[i].data);
      CHECK(still.calls[i].payload == moving.calls[i].payload);
      CHECK(still.calls[i].number == moving.calls[i].number);
    }
    const auto t1 = still.active_timers();
    const auto t2 = moving.active_timers();
    REQUIRE(t1.size() == t2.size());
    for (std::size_t i = 0; i < t1.size(); ++i) {
      CHECK(t1[i].delay_ms == t2[i].delay_ms);
      CHECK(t1[i].tag == t2[i].tag);
    }
    CHECK(still.waiting() == moving.waiting());
  }
};

Step bytes(std::string data) {
  return [data](FakeSession& s) { return s.bytes(data); };
}
Step resolve_next() {
  return [](FakeSession& s) { return s.resolve_next(); };
}
Step resolve_all() {
  return [](FakeSession& s) { return s.resolve_all(); };
}
Step downlink(std::string payload) {
  return [payload](FakeSession& s) { return s.messages({{kDn13, payload}}); };
}
// Fires the session's index-th active timer (both sessions have the same timers in the same order).
Step fire(std::size_t index) {
  return [index](FakeSession& s) {
    const auto timers = s.active_timers();
    REQUIRE(timers.size() > index);
    return s.fire(timers[index].id);
  };
}

// The terminal's 0x0001 general response to the first text message (0x8300) the session sent.
Step answer_first_text() {
  return [](FakeSession& s) {
    for (const auto& c : s.calls_of(CallKind::send)) {
      const auto sent = decode(c.data);
      if (sent.empty() || sent[0].header.msg_id != 0x8300) continue;
      const auto sn = sent[0].header.msg_sn;
      const std::string body{static_cast<char>(sn >> 8), static_cast<char>(sn & 0xff), '\x83', '\x00', '\x00'};
      return s.bytes(frame13(0x0001, 9, hex(body)));
    }
    FAIL("no text message was sent");
    return EXPROTO_STATUS_ERROR;
  };
}

std::string close_line(const FakeSession& s) {
  for (const auto& l : s.logs)
    if (l.text.starts_with("closed (")) return l.text;
  return "";
}

}  // namespace

TEST_CASE("jt808 migration: after every step of a whole conversation the session behaves as if never moved") {
  Twins t(R"({"subpackage":{"request_missing":true}})");
  const auto reg = unhex(vec::register13);
  t.step("half a register frame", bytes(reg.substr(0, 9)));
  t.step("the rest, authenticate, and a location report held behind it",
         bytes(reg.substr(9) + unhex(vec::auth13) + unhex(vec::location13)));
  t.step("the register answer's send result", resolve_next());
  t.step("EMQX accepts the Authenticate: the held report is published", resolve_next());
  t.step("the remaining results", resolve_all());
  t.step("a heartbeat", bytes(unhex(vec::heartbeat13)));
  t.step("a downlink text message: in flight with a retry timer", downlink(text_command()));
  t.step("a second downlink with a custom serial", downlink(text_command(77)));
  t.step("the first package of a sub-packaged message", bytes(unhex(vec::pkg1_13)));
  t.step("a retry of the first downlink", fire(0));
  t.step("garbage and half a frame", bytes("\x01\x02" + unhex(vec::location13).substr(0, 20)));
  t.step("the rest of that frame", bytes(unhex(vec::location13).substr(20)));
  t.step("the terminal answers the first downlink", answer_first_text());
  t.step("the second package completes the message", bytes(unhex(vec::pkg2_13)));
  t.step("results", resolve_all());
  t.step("the second downlink's tries run out", fire(0));
  t.step("again", fire(0));
  t.step("again", fire(0));
  t.step("given up", fire(0));
  CHECK(t.migrations == 19);
  CHECK(t.moving.logged("given up"));
  CHECK(t.moving.calls_of(CallKind::publish).size() == 3);  // two location reports, one reassembled message
  t.still.close();
  t.moving.close();
  CHECK(close_line(t.still) != "");
  CHECK(close_line(t.still) == close_line(t.moving));  // every counter carried over
}

TEST_CASE("jt808 migration: an incomplete sub-package set expires on the next generation") {
  Twins t(R"({"subpackage":{"request_missing":true,"timeout_ms":5000}})");
  t.step("login", bytes(unhex(vec::register13) + unhex(vec::auth13)));
  t.step("results", resolve_all());
  t.step("package 1 of 2", bytes(unhex(vec::pkg1_13)));
  t.step("the set's timer fires: 0x8003 asks for package 2", fire(0));
  const auto sent = t.moving.calls_of(CallKind::send);
  REQUIRE_FALSE(sent.empty());
  CHECK(decode(sent.back().data).at(0).header.msg_id == 0x8003);
}

TEST_CASE("jt808 migration: a state the next generation cannot take is refused and the session stays") {
  Rig t;
  t.login13();
  REQUIRE(t.s.bytes(unhex(vec::location13).substr(0, 30)) == kOk);  // a partial frame
  auto [status, state] = t.s.export_state();
  REQUIRE(status == kOk);
  CHECK(t.s.import_into(t.codec, "\xa1\x66schema") != kOk);
  std::string other = state;
  const auto at = other.find("jt808.session/1");
  REQUIRE(at != std::string::npos);
  other[at + 14] = '7';
  CHECK(t.s.import_into(t.codec, other) != kOk);
  CHECK(t.s.logged("unknown schema \"jt808.session/7\""));

  // still the old session: the rest of the frame completes the report
  REQUIRE(t.s.bytes(unhex(vec::location13).substr(30)) == kOk);
  CHECK(t.publishes().size() == 1);
  CHECK(t.out() == vec::location_ack13);
}

TEST_CASE("jt808 migration: a partial frame larger than the new max_frame_bytes is refused") {
  Rig t;
  t.login13();
  REQUIRE(t.s.bytes("\x7e" + std::string(1200, '\x30')) == kOk);
  CodecInstance tight(t.library, R"({"max_frame_bytes":1100})");
  CHECK(t.s.migrate_to(tight) != kOk);
  CHECK(t.s.logged("exceeds this max_frame_bytes"));
  CodecInstance roomy(t.library, R"({"max_frame_bytes":2000})");
  CHECK(t.s.migrate_to(roomy) == kOk);
}
