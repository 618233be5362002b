// Whole sessions for string_encoding "gbk", area and route downlinks and their answers, the RSA key
// messages 0x0A00/0x8A00, terminal re-send requests 0x0005 and reply_unknown_messages.
#include "session_rig.hpp"

using namespace jt808test;

namespace {

constexpr const char* kDriverGbk =
    "01 231122031500 00 04 d5c5c8fd 3132333435363738393031323334353637383930 04 b1b1bea9 20301231";

std::string ack13(std::uint16_t sn, std::uint16_t seq, std::uint16_t id, std::uint8_t result = 0) {
  jt808::Writer w;
  w.u16(seq);
  w.u16(id);
  w.u8(result);
  return frame13(0x0001, sn, hex(std::string_view(reinterpret_cast<const char*>(w.bytes().data()), w.size())));
}

}  // namespace

TEST_CASE("jt808 session: string_encoding gbk converts text up to UTF-8 and down to GBK") {
  Rig t(R"({"string_encoding":"gbk"})");
  t.login13();
  REQUIRE(t.s.bytes(frame13(0x0702, 5, kDriverGbk)) == kOk);
  auto body = Json::parse(t.publishes().back().payload)["body"];
  CHECK(body["driver_name"] == "张三");
  CHECK(body["organization"] == "北京");
  t.out();

  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":33536},"body":{"flag":1,"text":"京A12345"}})"}}) == kOk);
  auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(hex(sent[0].body["text"].get<std::string>()) == "bea9413132333435");

  // Text GBK cannot hold: the downlink is refused with a log line, nothing is sent.
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":33536},"body":{"flag":1,"text":"😀"}})"}}) == kOk);
  CHECK(t.out().empty());
  CHECK(t.s.logged("\"text\" is not valid UTF-8 or has characters GBK lacks"));

  // Bytes that are not GBK: U+FFFD in the published JSON, the message is still handled.
  REQUIRE(t.s.bytes(frame13(0x0702, 6, "01 231122031500 00 02 41ff 3132333435363738393031323334353637383930 00 20301231")) ==
          kOk);
  CHECK(Json::parse(t.publishes().back().payload)["body"]["driver_name"] == "A\xef\xbf\xbd");
  CHECK(t.s.logged("not GBK replaced with U+FFFD"));
  t.s.close();
  CHECK(t.s.logged("gbk_replaced=1 gbk_refused=1"));
  CHECK(t.s.logged("bad_downlink=1"));
}

TEST_CASE("jt808 session: by default text is passed through as raw bytes") {
  Rig t;
  t.login13();
  REQUIRE(t.s.bytes(frame13(0x0702, 5, kDriverGbk)) == kOk);
  // GBK bytes are not UTF-8: repaired as EMQX's jiffy repairs them. 张三 (D5 C5 C8 FD) has no
  // continuation byte, so each byte is a U+FFFD; 北京 (B1 B1 BE A9) is one continuation-byte run,
  // so one U+FFFD (one per byte before EMQX's behaviour was matched).
  const auto payload = t.publishes().back().payload;
  const auto body = Json::parse(payload)["body"];
  CHECK(body["driver_name"] == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(body["organization"] == "\xef\xbf\xbd");
  CHECK(payload.find(R"("organization":")" "\xef\xbf\xbd" R"(")") != std::string::npos);
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":33536},"body":{"flag":1,"text":"京"}})"}}) == kOk);
  const auto sent = decode(t.s.take_sent());
  CHECK(hex(sent.back().body["text"].get<std::string>()) == "e4baac");
  t.s.close();
  CHECK_FALSE(t.s.logged("gbk_replaced"));
}

TEST_CASE("jt808 session: area and route downlinks wait for 0x0001 with their id and seq") {
  Rig t;
  t.login13();
  const std::vector<std::pair<std::uint16_t, std::string>> cmds = {
      {0x8600, R"({"type":0,"areas":[{"id":1,"flag":0,"center_latitude":1,"center_longitude":2,"radius":3}]})"},
      {0x8601, R"({"ids":[1]})"},
      {0x8602, R"({"type":0,"areas":[{"id":1,"flag":3,"lt_lat":1,"lt_lng":2,"rb_lat":3,"rb_lng":4,"start_time":"231122000000",)"
               R"("end_time":"231122235959","max_speed":80,"overspeed_duration":10}]})"},
      {0x8603, R"({"ids":[1]})"},
      {0x8604, R"({"id":1,"flag":0,"start_time":"231122000000","end_time":"231122235959","max_speed":80,"overspeed_duration":10,)"
               R"("points":[{"lat":1,"lng":2},{"lat":3,"lng":4},{"lat":5,"lng":6}]})"},
      {0x8605, R"({"ids":[]})"},
      {0x8606, R"({"id":1,"flag":0,"start_time":"231122000000","end_time":"231122235959","points":[{"point_id":1,"path_id":1,)"
               R"("point_lat":1,"point_lng":2,"width":10,"attrib":0,"passed":0,"uncovered":0,"max_speed":60,"overspeed_duration":5}]})"},
      {0x8607, R"({"ids":[1,2]})"},
  };
  std::vector<Delivery> deliveries;
  for (const auto& [id, body] : cmds) {
    deliveries.push_back({kDn13, R"({"header":{"msg_id":)" + std::to_string(id) + R"(},"body":)" + body + "}"});
  }
  REQUIRE(t.s.messages(deliveries) == kOk);
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == cmds.size());
  CHECK(t.s.active_timers().size() == cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    CAPTURE(i);
    CHECK(sent[i].header.msg_id == cmds[i].first);
    CHECK(sent[i].body == jt808::decode_body(cmds[i].first, jt808::encode_body(cmds[i].first, Json::parse(cmds[i].second), {}), {}));
  }
  CHECK(sent[4].body["length"] == 3);  // the polygon's vertex count, computed
  // An answer with the right id but another seq, or the right seq but another id, completes nothing.
  REQUIRE(t.s.bytes(ack13(40, sent[0].header.msg_sn + 100, 0x8600)) == kOk);
  REQUIRE(t.s.bytes(ack13(41, sent[0].header.msg_sn, 0x8602)) == kOk);
  CHECK(t.s.active_timers().size() == cmds.size());
  std::uint16_t sn = 42;
  for (const auto& s : sent) REQUIRE(t.s.bytes(ack13(sn++, s.header.msg_sn, s.header.msg_id)) == kOk);
  CHECK(t.s.active_timers().empty());
  CHECK(t.out().empty());  // 0x0001 gets no reply
  // A bad area body is dropped with a log line.
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":34308},"body":{"id":1}})"}}) == kOk);
  CHECK(t.out().empty());
  t.s.close();
  CHECK(t.s.logged("bad_downlink=1"));
}

TEST_CASE("jt808 session: 0x0A00 is answered with EMQX's 0x8A00 stub and not published") {
  Rig t;
  t.login13();
  REQUIRE(t.s.bytes(frame13(0x0A00, 7, "00010001" + std::string(256, 'f'))) == kOk);
  CHECK(t.publishes().empty());
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].header.msg_id == 0x8A00);
  CHECK(sent[0].body == Json{{"e", 0}, {"n", std::string(128, '\0')}});
  CHECK(t.s.active_timers().empty());  // no answer expected: sent once
  // 0x8A00 from MQTT: `n` as the string's raw bytes, sent once and not tracked.
  REQUIRE(t.s.messages({{kDn13, R"({"header":{"msg_id":35328},"body":{"e":65537,"n":")" + std::string(128, 'k') +
                                    R"("}})"}}) == kOk);
  const auto down = decode(t.s.take_sent());
  REQUIRE(down.size() == 1);
  CHECK(down[0].body == Json{{"e", 65537}, {"n", std::string(128, 'k')}});
  CHECK(t.s.active_timers().empty());
  // A short 0x0A00 is a bad body: no answer.
  REQUIRE(t.s.bytes(frame13(0x0A00, 8, "00010001 ffff")) == kOk);
  CHECK(t.out().empty());
}

TEST_CASE("jt808 session: 0x0005 is published, answered, and re-sends the named packages of an in-flight downlink") {
  Rig t;
  t.login13();
  const std::string data(1500, 'x');
  Json cmd{{"header", {{"msg_id", 0x8900}}}, {"body", {{"type", 1}, {"data", jt808::base64_encode(jt808::as_bytes(data))}}}};
  REQUIRE(t.s.messages({{kDn13, cmd.dump()}}) == kOk);
  const auto raw = t.s.take_sent();
  const auto packages = decode(raw);
  REQUIRE(packages.size() == 2);
  const auto first_sn = packages[0].header.msg_sn;
  // The second package's exact bytes as first sent: everything after the first frame's end flag.
  const auto second = raw.substr(raw.find('\x7e', 1) + 1);

  jt808::Writer w;
  w.u16(first_sn);
  w.u16(2);
  w.u16(2);
  w.u16(9);  // no such package: ignored
  REQUIRE(t.s.bytes(frame13(0x0005, 30, hex(std::string_view(reinterpret_cast<const char*>(w.bytes().data()), w.size())))) ==
          kOk);
  const auto pub = Json::parse(t.publishes().back().payload);
  CHECK(pub["header"]["msg_id"] == 5);
  CHECK(pub["body"] == Json{{"seq", first_sn}, {"count", 2}, {"ids", {2, 9}}});
  const auto bytes = t.s.take_sent();
  CHECK(hex(bytes).ends_with(hex(second)));  // re-sent unchanged
  const auto out = decode(bytes);
  REQUIRE(out.size() == 2);
  CHECK(out[0].header.msg_id == 0x8001);
  CHECK(out[0].body == Json{{"seq", 30}, {"id", 5}, {"result", 0}});
  CHECK(out[1].header.msg_id == 0x8900);
  CHECK(out[1].header.frag_sn == 2);
  CHECK(out[1].header.msg_sn == packages[1].header.msg_sn);
  // A request for a downlink that is not in flight only gets its 0x8001.
  REQUIRE(t.s.bytes(frame13(0x0005, 31, "7777 0001 0001")) == kOk);
  const auto only_ack = decode(t.s.take_sent());
  REQUIRE(only_ack.size() == 1);
  CHECK(only_ack[0].header.msg_id == 0x8001);
  t.s.close();
  CHECK(t.s.logged("packages_resent=1"));
}

TEST_CASE("jt808 session: reply_unknown_messages answers unknown ids with result 3 after publishing them") {
  Rig t(R"({"reply_unknown_messages":true})");
  t.login13();
  REQUIRE(t.s.bytes(frame13(0x0f01, 8, "0102")) == kOk);
  CHECK(Json::parse(t.publishes().back().payload)["body"] == Json::parse(R"({"unknown_id":true,"data":"AQI="})"));
  const auto sent = decode(t.s.take_sent());
  REQUIRE(sent.size() == 1);
  CHECK(sent[0].body == Json::parse(R"({"seq":8,"id":3841,"result":3})"));
  // Known messages keep their normal replies (and none for answers such as 0x0104).
  REQUIRE(t.in(vec::location13) == kOk);
  const auto ack = decode(t.s.take_sent());
  REQUIRE(ack.size() == 1);
  CHECK(ack[0].body == Json::parse(R"({"seq":2,"id":512,"result":0})"));
}
