// Whole sessions through the fake host with the real jt808.so: registration, authentication,
// uplinks published as EMQX's JSON, replies, downlinks with retransmission, sub-packages, and the
// handling of bad input.
#include "session_rig.hpp"

using namespace jt808test;

TEST_CASE("jt808: descriptor names the codec") {
  CheckedHost host{{.host_version = "jt808-tests"}};
  CodecLibrary lib{JT808_SO, host};
  CHECK(std::string(lib.descriptor().name) == "jt808");
}

TEST_CASE("jt808: full 2013 flow: register, authenticate, location, downlink, ack, retry, give up") {
  Rig t;
  // Register: answered at once with the anonymous auth code.
  REQUIRE(t.in(vec::register13) == kOk);
  CHECK(t.out() == vec::register_ack13);
  CHECK(t.publishes().empty());

  // Authenticate: EMQX decides; the answer waits for it.
  REQUIRE(t.in(vec::auth13) == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].proto_name == "jt808");
  CHECK(auth[0].proto_ver == "2013");
  CHECK(auth[0].clientid == "013800138000");
  CHECK(auth[0].username.empty());
  CHECK(auth[0].password == "anonymous");
  CHECK(t.out().empty());
  REQUIRE(t.s.resolve_all() == kOk);  // the register answer's send, then Authenticate
  CHECK(t.out() == vec::auth_ack13);
  const auto subs = t.s.calls_of(CallKind::subscribe);
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].data == kDn13);
  CHECK(subs[0].number == 0);
  const auto ka = t.s.calls_of(CallKind::start_keepalive);
  REQUIRE(ka.size() == 1);
  CHECK(ka[0].number == 300);
  REQUIRE(t.s.resolve_all() == kOk);

  // Location report: the exact JSON on the exact topic, then 0x8001.
  REQUIRE(t.in(vec::location13) == kOk);
  auto pubs = t.publishes();
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == kUp13);
  CHECK(pubs[0].number == 1);
  CHECK(pubs[0].payload ==
        R"({"body":{"alarm":1,"altitude":12,"direction":90,"extra":{"mileage":100,"rssi":31},"latitude":31234567,)"
        R"("longitude":121458069,"speed":600,"status":2,"time":"231122031500"},)"
        R"("header":{"encrypt":0,"len":37,"msg_id":512,"msg_sn":2,"phone":"013800138000"}})");
  CHECK(t.out() == vec::location_ack13);
  REQUIRE(t.s.resolve_all() == kOk);

  // Downlink text message → the exact frame, with a retry timer.
  REQUIRE(t.s.messages({{kDn13, text_command()}}) == kOk);
  CHECK(t.out() == vec::text13);
  auto timers = t.s.active_timers();
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].delay_ms == 8000);
  // The terminal's general response completes it: the timer is cancelled.
  REQUIRE(t.in(vec::text_ack13) == kOk);
  CHECK(t.s.active_timers().empty());
  CHECK(t.out().empty());
  CHECK(t.publishes().size() == 1);  // 0x0001 is consumed, as EMQX does

  // An unacknowledged downlink: re-sent unchanged 3 times, then given up.
  REQUIRE(t.s.messages({{kDn13, text_command()}}) == kOk);
  const auto first = t.out();
  const auto sent = decode(unhex(first));
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_sn == 4);
  for (int retry = 0; retry < 3; ++retry) {
    timers = t.s.active_timers();
    REQUIRE(timers.size() == 1);
    REQUIRE(t.s.fire(timers[0].id) == kOk);
    CHECK(t.out() == first);
  }
  timers = t.s.active_timers();
  REQUIRE(timers.size() == 1);
  REQUIRE(t.s.fire(timers[0].id) == kOk);
  CHECK(t.out().empty());
  CHECK(t.s.active_timers().empty());
  CHECK(t.s.logged("given up"));
  // A late answer is harmless.
  REQUIRE(t.in(vec::text_ack13) == kOk);
  CHECK(t.out().empty());
}

TEST_CASE("jt808: full 2019 flow keeps the terminal's version and phone in every reply") {
  Rig t;
  REQUIRE(t.in(vec::register19) == kOk);
  CHECK(t.out() == vec::register_ack19);
  REQUIRE(t.in(vec::auth19) == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].proto_ver == "2019");
  CHECK(auth[0].clientid == "00000000013800138000");
  CHECK(auth[0].password == "anonymous");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.out() == vec::auth_ack19);
  CHECK(t.s.calls_of(CallKind::subscribe)[0].data == "jt808/00000000013800138000/00000000013800138000/dn");
  REQUIRE(t.in(vec::location19) == kOk);
  CHECK(t.out() == vec::location_ack19);
  const auto pub = t.publishes().at(0);
  CHECK(pub.data == "jt808/00000000013800138000/00000000013800138000/up");
  const auto j = Json::parse(pub.payload);
  CHECK(j["header"] == Json::parse(R"({"encrypt":0,"len":37,"msg_id":512,"msg_sn":2,"phone":"00000000013800138000","proto_ver":1})"));
  REQUIRE(t.s.messages({{"t", R"({"header":{"msg_id":33536},"body":{"flag":1,"text_type":1,"text":"hello"}})"}}) == kOk);
  CHECK(t.out() == vec::text19);
  REQUIRE(t.in(vec::text_ack19) == kOk);
  CHECK(t.s.active_timers().empty());
}

TEST_CASE("jt808: denied authentication answers result 1 and allows a retry") {
  Rig t;
  REQUIRE(t.in(vec::auth13) == kOk);
  REQUIRE(t.s.resolve_next(EXPROTO_RESULT_PERMISSION_DENY, "not_authorized") == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_id == 0x8001);
  CHECK(sent[0].body == Json::parse(R"({"seq":1,"id":258,"result":1})"));
  CHECK(t.s.calls_of(CallKind::subscribe).empty());
  CHECK_FALSE(t.s.close_requested());
  // Frames of a not-authenticated terminal are ignored.
  REQUIRE(t.in(vec::location13) == kOk);
  CHECK(t.out().empty());
  CHECK(t.publishes().empty());
  // Retry succeeds.
  REQUIRE(t.in(vec::auth13) == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body["result"] == 0);
}

TEST_CASE("jt808: a refused Authenticate call answers failure") {
  Rig t;
  t.s.refuse_calls = true;
  REQUIRE(t.in(vec::auth13) == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body["result"] == 1);
}

TEST_CASE("jt808: frames pipelined behind the auth frame wait for EMQX's answer") {
  Rig t;
  REQUIRE(t.s.bytes(unhex(vec::auth13) + unhex(vec::location13) + unhex(vec::heartbeat13)) == kOk);
  CHECK(t.out().empty());
  CHECK(t.publishes().empty());
  REQUIRE(t.s.resolve_next() == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].body == Json::parse(R"({"seq":1,"id":258,"result":0})"));
  CHECK(sent[1].body == Json::parse(R"({"seq":2,"id":512,"result":0})"));
  CHECK(sent[2].body == Json::parse(R"({"seq":4,"id":2,"result":0})"));
  CHECK(t.publishes().size() == 1);
}

TEST_CASE("jt808: heartbeat is answered and not published, time query answered with 0x8004") {
  Rig t;
  t.login13();
  REQUIRE(t.in(vec::location13) == kOk);
  t.out();
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  CHECK(t.out() == vec::heartbeat_ack13);
  CHECK(t.publishes().size() == 1);
  // 0x0004 (any edition) → 0x8004 with a 12-digit time.
  const auto query = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0004, 0, 0, jt808::Version::v2013, 1, "013800138000", 9}, {}));
  REQUIRE(t.s.bytes(jt808::as_string(query)) == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_id == 0x8004);
  CHECK(sent[0].body["time"].get<std::string>().size() == 12);
}

TEST_CASE("jt808: a heartbeat with a stray body byte gets 0x8001 result 0, as EMQX answers it") {
  {
    Rig t;
    t.login13();
    REQUIRE(t.in(vec::heartbeat_byte13) == kOk);
    CHECK(t.out() == vec::heartbeat_byte_ack13);
    CHECK(t.publishes().empty());  // still not published
    t.s.close();
    CHECK(t.s.logged("bad_body=0"));
  }
  {
    // Not a bad frame either when bad frames close the connection.
    Rig t(R"({"ignore_unsupported_frames":false})");
    t.login13();
    CHECK(t.in(vec::heartbeat_byte13) == kOk);
    CHECK(t.out() == vec::heartbeat_byte_ack13);
  }
  {
    // publish_control_messages publishes it with EMQX's reading of such a body.
    Rig t(R"({"publish_control_messages":true})");
    t.login13();
    REQUIRE(t.in(vec::heartbeat_byte13) == kOk);
    CHECK(t.out() == vec::heartbeat_byte_ack13);
    CHECK(Json::parse(t.publishes().back().payload)["body"] == Json::parse(R"({"unknown_id":true,"data":"Wg=="})"));
  }
  {
    // Before authentication it is ignored like any heartbeat.
    Rig t;
    REQUIRE(t.in(vec::heartbeat_byte13) == kOk);
    CHECK(t.out().empty());
  }
}

TEST_CASE("jt808: logout closes the connection without a reply") {
  Rig t;
  t.login13();
  const auto logout = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0003, 0, 0, jt808::Version::v2013, 1, "013800138000", 5}, {}));
  REQUIRE(t.s.bytes(jt808::as_string(logout) + unhex(vec::heartbeat13)) == kOk);
  CHECK(t.s.close_requested());
  CHECK(t.out().empty());
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  CHECK(t.out().empty());
}

TEST_CASE("jt808: bad check code, bad body, foreign phone and pre-auth frames are counted and ignored") {
  Rig t;
  REQUIRE(t.in(vec::heartbeat13) == kOk);  // before auth
  CHECK(t.out().empty());
  t.login13();
  auto bad = unhex(vec::location13);
  bad[bad.size() - 2] ^= 0x55;
  REQUIRE(t.s.bytes(bad + unhex(vec::heartbeat13)) == kOk);  // the next frame in the same read survives
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body == Json::parse(R"({"seq":4,"id":2,"result":0})"));
  CHECK(t.publishes().empty());
  // A 0x0200 whose body is too short for a location.
  const auto short_loc = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0200, 0, 0, jt808::Version::v2013, 1, "013800138000", 6}, unhex_bytes("0000")));
  REQUIRE(t.s.bytes(jt808::as_string(short_loc)) == kOk);
  CHECK(t.out().empty());
  // Another phone on this connection.
  const auto other = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0002, 0, 0, jt808::Version::v2013, 1, "013900139000", 7}, {}));
  REQUIRE(t.s.bytes(jt808::as_string(other)) == kOk);
  CHECK(t.out().empty());
  t.s.close();
  CHECK(t.s.logged("bad_check=1"));
  CHECK(t.s.logged("bad_body=1"));
  CHECK(t.s.logged("foreign_phone=1"));
  CHECK(t.s.logged("unsupported=1"));
}

TEST_CASE("jt808: with ignore_unsupported_frames=false bad input fails the hook") {
  {
    Rig t(R"({"ignore_unsupported_frames":false})");
    CHECK(t.in(vec::heartbeat13) == EXPROTO_STATUS_INVALID_INPUT);
  }
  {
    Rig t(R"({"ignore_unsupported_frames":false})");
    t.login13();
    auto bad = unhex(vec::location13);
    bad[bad.size() - 2] ^= 0x55;
    CHECK(t.s.bytes(bad) == EXPROTO_STATUS_INVALID_INPUT);
  }
}

TEST_CASE("jt808: a frame past max_frame_bytes closes the connection") {
  Rig t(R"({"max_frame_bytes":1045})");
  CHECK(t.s.bytes("\x7e" + std::string(1100, 'a')) == EXPROTO_STATUS_LIMIT);
  Rig u;
  CHECK(u.s.bytes("\x7e" + std::string(9000, 'a')) == EXPROTO_STATUS_LIMIT);
}

TEST_CASE("jt808: too many frames while authentication is pending closes the connection") {
  Rig t(R"({"max_pending_frames":2})");
  std::string burst = unhex(vec::auth13);
  for (int i = 0; i < 3; ++i) burst += unhex(vec::heartbeat13);
  CHECK(t.s.bytes(burst) == EXPROTO_STATUS_LIMIT);
}

TEST_CASE("jt808: sub-packages are acknowledged one by one and published once reassembled") {
  Rig t;
  t.login13();
  REQUIRE(t.in(vec::pkg1_13) == kOk);
  auto timers = t.s.active_timers();
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].delay_ms == 30000);
  CHECK(t.publishes().empty());
  REQUIRE(t.in(vec::pkg2_13) == kOk);
  CHECK(t.s.active_timers().empty());
  const auto acks = decode(t.s.take_sent());
  REQUIRE(acks.size() == 2);
  CHECK(acks[0].body == Json::parse(R"({"seq":10,"id":2304,"result":0})"));
  CHECK(acks[1].body == Json::parse(R"({"seq":11,"id":2304,"result":0})"));
  const auto pubs = t.publishes();
  REQUIRE(pubs.size() == 1);
  CHECK(Json::parse(pubs[0].payload) ==
        Json::parse(R"({"header":{"msg_id":2304,"encrypt":0,"len":11,"phone":"013800138000","msg_sn":10},)"
                    R"("body":{"type":65,"data":"AQIDBAUGBwgJCg=="}})"));
}

TEST_CASE("jt808: each package gets its own 0x8001 with the package's msg_sn") {
  Rig t;
  // Authenticate without registering so that the platform serial numbers match the vectors.
  REQUIRE(t.in(vec::auth13) == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  t.out();
  REQUIRE(t.s.bytes(unhex(vec::pkg1_13) + unhex(vec::pkg2_13)) == kOk);
  CHECK(t.out() == std::string(vec::pkg_ack1_13) + vec::pkg_ack2_13);
  CHECK(t.publishes().size() == 1);
}

TEST_CASE("jt808: an incomplete sub-package set expires on its timer, optionally asking for the rest") {
  Rig t(R"({"subpackage":{"request_missing":true,"timeout_ms":5000}})");
  t.login13();
  REQUIRE(t.in(vec::pkg1_13) == kOk);
  t.out();
  const auto timers = t.s.active_timers();
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].delay_ms == 5000);
  REQUIRE(t.s.fire(timers[0].id) == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_id == 0x8003);
  CHECK(sent[0].body == Json::parse(R"({"seq":10,"length":1,"ids":[2]})"));
  CHECK(t.s.logged("expired"));
  // The late second package starts a new set, which never completes on its own.
  REQUIRE(t.in(vec::pkg2_13) == kOk);
  CHECK(t.publishes().empty());
}

TEST_CASE("jt808: sub-package limits drop the message, not the connection") {
  Rig t(R"({"subpackage":{"max_sets":1}})");
  t.login13();
  REQUIRE(t.in(vec::pkg1_13) == kOk);
  // A second set (another msg_sn range) while the first is incomplete.
  const auto other = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0900, 0, 0, jt808::Version::v2013, 1, "013800138000", 40, true, 3, 1}, unhex_bytes("4101")));
  REQUIRE(t.s.bytes(jt808::as_string(other)) == kOk);
  t.s.close();
  CHECK(t.s.logged("package_dropped=1"));
}

TEST_CASE("jt808: with reassemble=false each package is published alone, as EMQX does") {
  Rig t(R"({"subpackage":{"reassemble":false}})");
  t.login13();
  REQUIRE(t.in(vec::pkg1_13) == kOk);
  const auto pubs = t.publishes();
  REQUIRE(pubs.size() == 1);
  const auto j = Json::parse(pubs[0].payload);
  CHECK(j["header"]["frag_total"] == 2);
  CHECK(j["header"]["frag_sn"] == 1);
  CHECK(j["body"] == Json::parse(R"({"type":65,"data":"AQIDBAU="})"));
  CHECK(t.s.active_timers().empty());
}

TEST_CASE("jt808: answers other than 0x0001 complete their downlinks (0x8104 → 0x0104, 0x8201 → 0x0201)") {
  Rig t;
  t.login13();
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":33028}})"},
                         {kDn13, R"({"header":{"msg_id":33281},"body":{}})"}}) == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].header.msg_id == 0x8104);
  CHECK(sent[1].header.msg_id == 0x8201);
  CHECK(t.s.active_timers().size() == 2);
  // 0x0104 answering 0x8104's msg_sn: published, not answered with 0x8001, downlink complete.
  jt808::Writer w;
  w.u16(sent[0].header.msg_sn);
  w.u8(1);
  w.u32(1);
  w.u8(4);
  w.u32(30);
  const auto answer = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0104, 0, 0, jt808::Version::v2013, 1, "013800138000", 20}, w.bytes()));
  REQUIRE(t.s.bytes(jt808::as_string(answer)) == kOk);
  CHECK(t.out().empty());
  CHECK(t.s.active_timers().size() == 1);
  CHECK(Json::parse(t.publishes().back().payload)["body"] ==
        Json::parse(R"({"seq":2,"length":1,"params":[{"id":1,"value":30}]})"));
  // 0x0201 answering 0x8201.
  jt808::Writer l;
  l.u16(sent[1].header.msg_sn);
  l.raw(unhex_bytes("00000001 00000002 01dc9a07 073d4d95 000c 0258 005a 231122031500"));
  const auto loc = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0201, 0, 0, jt808::Version::v2013, 1, "013800138000", 21}, l.bytes()));
  REQUIRE(t.s.bytes(jt808::as_string(loc)) == kOk);
  CHECK(t.s.active_timers().empty());
  CHECK(Json::parse(t.publishes().back().payload)["body"]["seq"] == 3);
}

TEST_CASE("jt808: downlinks: custom msg_sn, bad payloads, queue limit, 0x8103 and 0x8900") {
  Rig t(R"({"max_inflight":1,"message_queue_len":1})");
  t.login13();
  REQUIRE(t.s.messages({{kDn13, text_command(500)}}) == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_sn == 500);
  // Queued behind the in-flight one; the third is dropped.
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":33027},"body":{"params":[{"id":1,"value":60},{"id":19,"value":"h"}]}})"},
                         {kDn13, R"({"header":{"msg_id":35072},"body":{"type":1,"data":"AQID"}})"}}) == kOk);
  CHECK(t.out().empty());
  CHECK(t.s.logged("message_queue_len"));
  // Bad payloads are logged and counted, nothing is sent.
  REQUIRE(t.s.messages({{kDn13, "not json"}, {kDn13, R"({"header":{"msg_id":33536},"body":{"flag":1}})"},
                         {kDn13, R"({"header":{"msg_id":512}})"}}) == kOk);
  CHECK(t.out().empty());
  // Ack the first: the queued 0x8103 goes out with the next session serial number.
  REQUIRE(t.s.bytes(jt808::as_string(jt808::frame_bytes(jt808::serialize_message(
              jt808::Header{0x0001, 0, 0, jt808::Version::v2013, 1, "013800138000", 30},
              unhex_bytes("01f4 8300 00"))))) == kOk);
  sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_id == 0x8103);
  CHECK(sent[0].header.msg_sn == 2);  // register answer 0, auth answer 1; the custom one took none
  CHECK(sent[0].body == Json::parse(R"({"length":2,"params":[{"id":1,"value":60},{"id":19,"value":"h"}]})"));
  t.s.close();
  CHECK(t.s.logged("bad_downlink=3"));
  CHECK(t.s.logged("dropped=1"));
}

TEST_CASE("jt808: downlinks waiting for answers never share a msg_sn, custom or not") {
  Rig t;
  t.login13();  // register answer 0, auth answer 1: the session's next number is 2
  const auto ack = [](std::uint16_t sn, std::uint16_t seq, std::uint16_t id) {
    jt808::Writer w;
    w.u16(seq);
    w.u16(id);
    w.u8(0);
    return frame13(0x0001, sn, hex(std::string_view(reinterpret_cast<const char*>(w.bytes().data()), w.size())));
  };
  // A caller-numbered downlink of two packages: 3 and 4, used as given; the counter stays at 2.
  Json big{{"header", {{"msg_id", 0x8900}, {"msg_sn", 3}}},
           {"body", {{"type", 1}, {"data", jt808::base64_encode(jt808::as_bytes(std::string(1500, 'x')))}}}};
  REQUIRE(t.s.messages({{kDn13, big.dump()}}) == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].header.msg_sn == 3);
  CHECK(sent[1].header.msg_sn == 4);
  // The session's own numbers: 2 is free; then 3 and 4 are held, so the next one is 5 (EMQX would
  // send 3 again, and the terminal's 0x0001 for seq 3 would answer two downlinks).
  REQUIRE(t.s.messages({{kDn13, text_command()}, {kDn13, text_command()}}) == kOk);
  sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].header.msg_sn == 2);
  CHECK(sent[1].header.msg_sn == 5);
  // Replies count on: the next location answer is 6 (exact frame, by the reference builder).
  REQUIRE(t.in(vec::location13) == kOk);
  CHECK(t.out() == "7e8001000501380013800000060002020000287e");
  // A caller msg_sn held by a waiting downlink (a package of the 0x8900, or the first text) is
  // refused with a log line; nothing is sent.
  REQUIRE(t.s.messages({{kDn13, text_command(4)}, {kDn13, text_command(2)}}) == kOk);
  CHECK(t.out().empty());
  CHECK(t.s.logged("msg_sn 4 is held by a downlink still waiting for its answer"));
  CHECK(t.s.logged("msg_sn 2 is held by a downlink still waiting for its answer"));
  // Once the 0x8900's packages are answered their numbers are free again.
  REQUIRE(t.s.bytes(ack(40, 3, 0x8900) + ack(41, 4, 0x8900)) == kOk);
  REQUIRE(t.s.messages({{kDn13, text_command(4)}}) == kOk);
  sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_sn == 4);
  t.s.close();
  CHECK(t.s.logged("bad_downlink=2"));
}

TEST_CASE("jt808: a downlink body over 1023 bytes is split into packages, each acknowledged") {
  Rig t;
  t.login13();
  const std::string data(1500, 'x');
  Json cmd{{"header", {{"msg_id", 0x8900}}}, {"body", {{"type", 1}, {"data", jt808::base64_encode(jt808::as_bytes(data))}}}};
  REQUIRE(t.s.messages({{kDn13, cmd.dump()}}) == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 2);
  CHECK(sent[0].header.subpackage);
  CHECK(sent[0].header.frag_total == 2);
  CHECK(sent[0].header.frag_sn == 1);
  CHECK(sent[0].header.body_len == 1023);
  CHECK(sent[1].header.frag_sn == 2);
  CHECK(sent[1].header.body_len == 1501 - 1023);
  CHECK(sent[1].header.msg_sn == sent[0].header.msg_sn + 1);
  const auto ack = [&](std::uint16_t sn) {
    jt808::Writer w;
    w.u16(sn);
    w.u16(0x8900);
    w.u8(0);
    return jt808::as_string(jt808::frame_bytes(jt808::serialize_message(
        jt808::Header{0x0001, 0, 0, jt808::Version::v2013, 1, "013800138000", 50}, w.bytes())));
  };
  REQUIRE(t.s.bytes(ack(sent[0].header.msg_sn)) == kOk);
  CHECK(t.s.active_timers().size() == 1);
  // A retry now re-sends only the unacknowledged package.
  REQUIRE(t.s.fire(t.s.active_timers()[0].id) == kOk);
  const auto again = decode(t.s.take_sent());
  REQUIRE(again.size() == 1);
  CHECK(again[0].header.frag_sn == 2);
  REQUIRE(t.s.bytes(ack(sent[1].header.msg_sn)) == kOk);
  CHECK(t.s.active_timers().empty());
}

TEST_CASE("jt808: unknown ids are published as unknown_id without a reply, 0x0900 is answered") {
  Rig t;
  t.login13();
  const auto vendor = jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{0x0f01, 0, 0, jt808::Version::v2013, 1, "013800138000", 8}, unhex_bytes("0102")));
  REQUIRE(t.s.bytes(jt808::as_string(vendor)) == kOk);
  CHECK(t.out().empty());
  CHECK(Json::parse(t.publishes().back().payload)["body"] == Json::parse(R"({"unknown_id":true,"data":"AQI="})"));
  REQUIRE(t.in(vec::escaped13) == kOk);
  CHECK(Json::parse(t.publishes().back().payload)["body"] == Json::parse(R"({"type":126,"data":"fX4B"})"));
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body == Json::parse(R"({"seq":32381,"id":2304,"result":0})"));
}

TEST_CASE("jt808: repeated authentication of the same phone is confirmed without calling EMQX again") {
  Rig t;
  t.login13();
  REQUIRE(t.in(vec::auth13) == kOk);
  CHECK(t.s.calls_of(CallKind::authenticate).size() == 1);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body["result"] == 0);
}

TEST_CASE("jt808: authentication must come from the registered phone, the code is checked when configured") {
  {
    Rig t;
    REQUIRE(t.in(vec::register13) == kOk);
    const auto other = jt808::frame_bytes(jt808::serialize_message(
        jt808::Header{0x0102, 0, 0, jt808::Version::v2013, 1, "013900139000", 1}, jt808::as_bytes("anonymous")));
    REQUIRE(t.s.bytes(jt808::as_string(other)) == kOk);
    CHECK(t.s.calls_of(CallKind::authenticate).empty());
    CHECK(decode(t.s.take_sent()).back().body["result"] == 1);
  }
  {
    Rig t(R"({"auth":{"auth_code":"${phone}-${dev_id}","check_registered_code":true}})");
    REQUIRE(t.in(vec::register13) == kOk);
    CHECK(decode(t.s.take_sent()).back().body["auth_code"] == "013800138000-D123");
    REQUIRE(t.in(vec::auth13) == kOk);  // code "anonymous": wrong
    CHECK(t.s.calls_of(CallKind::authenticate).empty());
    CHECK(decode(t.s.take_sent()).back().body["result"] == 1);
    const auto good = jt808::frame_bytes(jt808::serialize_message(
        jt808::Header{0x0102, 0, 0, jt808::Version::v2013, 1, "013800138000", 2},
        jt808::as_bytes("013800138000-D123")));
    REQUIRE(t.s.bytes(jt808::as_string(good)) == kOk);
    CHECK(t.s.calls_of(CallKind::authenticate).size() == 1);
  }
}

TEST_CASE("jt808: identity templates, topics, QoS and keepalive come from the config") {
  Rig t(R"({"auth":{"clientid":"jt-${phone}","username":"${imei}","password":"${code}/${software_version}"},
            "up_topic":"dev/${clientid}/up","dn_topic":"dev/${phone}/dn","up_qos":0,"dn_qos":1,"keepalive":0})");
  REQUIRE(t.in(vec::auth19) == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate).at(0);
  CHECK(auth.clientid == "jt-00000000013800138000");
  CHECK(auth.username == "123456789012345");
  CHECK(auth.password == "anonymous/1.0.0");
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.calls_of(CallKind::subscribe).at(0).data == "dev/00000000013800138000/dn");
  CHECK(t.s.calls_of(CallKind::subscribe).at(0).number == 1);
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
  REQUIRE(t.in(vec::location19) == kOk);
  CHECK(t.publishes().at(0).data == "dev/jt-00000000013800138000/up");
  CHECK(t.publishes().at(0).number == 0);
}

TEST_CASE("jt808: publish_control_messages also publishes register, auth, heartbeat and responses") {
  Rig t(R"({"publish_control_messages":true})");
  t.login13();
  auto pubs = t.publishes();
  REQUIRE(pubs.size() == 2);
  CHECK(Json::parse(pubs[0].payload)["header"]["msg_id"] == 0x0100);
  CHECK(Json::parse(pubs[1].payload)["body"] == Json::parse(R"({"code":"anonymous"})"));
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  REQUIRE(t.in(vec::text_ack13) == kOk);
  pubs = t.publishes();
  REQUIRE(pubs.size() == 4);
  CHECK(Json::parse(pubs[2].payload)["header"]["msg_id"] == 2);
  CHECK(Json::parse(pubs[3].payload)["body"] == Json::parse(R"({"seq":3,"id":33536,"result":0})"));
}

TEST_CASE("jt808: failed publishes and subscribes are counted and logged, the connection stays") {
  Rig t;
  REQUIRE(t.in(vec::auth13) == kOk);
  REQUIRE(t.s.resolve_next() == kOk);
  REQUIRE(t.s.resolve_all(CallKind::subscribe) == kOk);
  CHECK(t.s.logged("downlinks will not arrive"));
  REQUIRE(t.in(vec::location13) == kOk);
  REQUIRE(t.s.resolve_all(CallKind::publish) == kOk);
  t.s.close();
  CHECK(t.s.logged("failed_calls=2"));
}

TEST_CASE("jt808: keepalive timeout stops input handling") {
  Rig t;
  t.login13();
  REQUIRE(t.s.keepalive_timeout() == kOk);
  REQUIRE(t.in(vec::heartbeat13) == kOk);
  CHECK(t.out().empty());
}

TEST_CASE("jt808: without host timers downlinks and packages are not kept") {
  Rig t;
  t.login13();
  t.s.refuse_calls = true;  // also refuses timers
  REQUIRE(t.s.messages({{kDn13, text_command()}}) == kOk);
  CHECK(t.s.logged("not tracked"));
  REQUIRE(t.in(vec::pkg1_13) == kOk);
  CHECK(t.s.logged("no timer available"));
  t.s.refuse_calls = false;
  REQUIRE(t.s.messages({{kDn13, text_command()}}) == kOk);
  CHECK(t.s.active_timers().size() == 1);
}

TEST_CASE("jt808: 0x0702 answers a pending 0x8702, otherwise gets 0x8001, 0x0805 answers 0x8801 by seq") {
  Rig t;
  t.login13();
  const auto frame = [](std::uint16_t id, std::uint16_t sn, std::string_view body_hex) {
    return jt808::as_string(jt808::frame_bytes(jt808::serialize_message(
        jt808::Header{id, 0, 0, jt808::Version::v2013, 1, "013800138000", sn}, unhex_bytes(body_hex))));
  };
  REQUIRE(t.s.bytes(frame(0x0702, 10, "02 231122031500")) == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body == Json::parse(R"({"seq":10,"id":1794,"result":0})"));
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":34562}})"},
                         {kDn13, R"({"header":{"msg_id":34817},"body":{"channel_id":1,"command":1,"period":0,"save":0,)"
                                 R"("resolution":1,"quality":1,"bright":1,"contrast":1,"saturate":1,"chromaticity":1}})"}}) == kOk);
  sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 2);
  CHECK(t.s.active_timers().size() == 2);
  REQUIRE(t.s.bytes(frame(0x0702, 11, "02 231122031500")) == kOk);
  CHECK(t.out().empty());  // the 0x8702 was pending: no 0x8001
  CHECK(t.s.active_timers().size() == 1);
  jt808::Writer w;
  w.u16(sent[1].header.msg_sn);
  w.u8(1);
  REQUIRE(t.s.bytes(frame(0x0805, 12, hex(std::string_view(reinterpret_cast<const char*>(w.bytes().data()), w.size())))) == kOk);
  CHECK(t.s.active_timers().empty());
  CHECK(t.publishes().size() == 3);
}
