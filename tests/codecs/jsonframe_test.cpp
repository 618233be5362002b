// The jsonframe codec against EMQX's echo protocol (spec §13): every frame type, the exact reply
// bytes, framing across chunk boundaries, failures and config validation.
#include "checked_host.h"

#include <doctest/doctest.h>

#include <string>

using namespace codectest;
using namespace std::string_literals;

namespace {

struct JsonFrame {
  explicit JsonFrame(std::string_view config = "{}") : codec(library, config) {}
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary library{JSONFRAME_SO, host};
  CodecInstance codec;
  FakeSession s{codec};

  // CONNECT with a clientid and settle it successfully.
  void connect() {
    REQUIRE(s.bytes(R"({"type":1,"clientinfo":{"clientid":"c1"},"password":"p"})") == EXPROTO_STATUS_OK);
    REQUIRE(s.resolve_all() == EXPROTO_STATUS_OK);
    REQUIRE(s.take_sent() == R"({"type":2,"code":0})");
  }
};

constexpr auto kOk = EXPROTO_STATUS_OK;
constexpr auto kDenied = EXPROTO_RESULT_PERMISSION_DENY;

}  // namespace

TEST_SUITE("jsonframe") {

TEST_CASE("jsonframe: descriptor names the codec") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{JSONFRAME_SO, host};
  CHECK(std::string(lib.descriptor().name) == "jsonframe");
  CHECK(std::string(lib.descriptor().version) == "1.1.0");
}

TEST_CASE("jsonframe: CONNECT authenticates with the device's clientinfo and answers CONNACK 0") {
  JsonFrame t;
  const auto frame =
      R"({"type":1,"password":"123456","clientinfo":{"proto_ver":"v0.1","proto_name":"demo","mountpoint":"deperated/","clientid":"test_client_1","username":"u1","extra":true}})";
  REQUIRE(t.s.bytes(frame) == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].proto_name == "demo");
  CHECK(auth[0].proto_ver == "v0.1");
  CHECK(auth[0].clientid == "test_client_1");
  CHECK(auth[0].username == "u1");
  CHECK(auth[0].mountpoint == "deperated/");
  CHECK(auth[0].password == "123456");
  CHECK(t.s.take_sent().empty());  // nothing before the result

  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == R"({"type":2,"code":0})");
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
  CHECK_FALSE(t.s.close_requested());
}

TEST_CASE("jsonframe: CONNECT with clientinfo.keepalive starts the keepalive before CONNACK") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":1,"password":"1","clientinfo":{"proto_name":"demo","keepalive":5,"clientid":"k"}})") ==
          kOk);
  REQUIRE(t.s.resolve_next() == kOk);
  REQUIRE(t.s.calls.size() == 3);
  CHECK(t.s.calls[1].kind == CallKind::start_keepalive);
  CHECK(t.s.calls[1].number == 5);
  CHECK(t.s.calls[2].kind == CallKind::send);
  CHECK(t.s.calls[2].data == R"({"type":2,"code":0})");
}

TEST_CASE("jsonframe: CONNECT with keepalive 0 starts no keepalive") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":1,"password":"","clientinfo":{"keepalive":0,"clientid":"k"}})") == kOk);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());
  CHECK(t.s.take_sent() == R"({"type":2,"code":0})");
}

TEST_CASE("jsonframe: absent clientinfo fields are sent empty") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":1,"password":"","clientinfo":{}})") == kOk);
  const auto auth = t.s.calls_of(CallKind::authenticate);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].clientid.empty());
  CHECK(auth[0].proto_name.empty());
}

TEST_CASE("jsonframe: denied authentication answers CONNACK 1 and closes, later frames are ignored") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":1,"password":"bad","clientinfo":{"clientid":"c"}})") == kOk);
  REQUIRE(t.s.resolve_next(kDenied, "not_authorized") == kOk);
  CHECK(t.s.take_sent() == R"({"type":2,"code":1})");
  CHECK(t.s.close_requested());
  CHECK(t.s.calls.back().kind == CallKind::close);
  CHECK(t.s.calls_of(CallKind::start_keepalive).empty());

  const auto before = t.s.calls.size();
  CHECK(t.s.bytes(R"({"type":3,"topic":"t","qos":0,"payload":"x"})") == kOk);
  CHECK(t.s.calls.size() == before);
}

TEST_CASE("jsonframe: PUBLISH publishes and answers PUBACK 0, or PUBACK 1 when denied") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":3,"topic":"t/up","qos":1,"payload":"hello"})") == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == "t/up");
  CHECK(pubs[0].number == 1);
  CHECK(pubs[0].payload == "hello");
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":0})");

  REQUIRE(t.s.bytes(R"({"type":3,"topic":"t/denied","qos":0,"payload":""})") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::publish, kDenied, "<<\"Authorization deny\">>") == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":1})");
  CHECK_FALSE(t.s.close_requested());
}

TEST_CASE("jsonframe: RAW_PUBLISH uses RawPublish and answers PUBACK 0/1") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":10,"topic":"t/raw","qos":2,"payload":"r"})") == kOk);
  const auto raws = t.s.calls_of(CallKind::raw_publish);
  REQUIRE(raws.size() == 1);
  CHECK(raws[0].data == "t/raw");
  CHECK(raws[0].number == 2);
  CHECK(raws[0].payload == "r");
  CHECK(t.s.calls_of(CallKind::publish).empty());
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":0})");

  REQUIRE(t.s.bytes(R"({"type":10,"topic":"t/raw","qos":0,"payload":"r"})") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::raw_publish, EXPROTO_RESULT_UNKNOWN) == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":1})");
}

TEST_CASE("jsonframe: SUBSCRIBE answers SUBACK 0/1") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":5,"topic":"t/dn","qos":1})") == kOk);
  const auto subs = t.s.calls_of(CallKind::subscribe);
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].data == "t/dn");
  CHECK(subs[0].number == 1);
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == R"({"type":6,"code":0})");

  REQUIRE(t.s.bytes(R"({"type":5,"topic":"t/#","qos":0})") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::subscribe, kDenied) == kOk);
  CHECK(t.s.take_sent() == R"({"type":6,"code":1})");
}

TEST_CASE("jsonframe: UNSUBSCRIBE answers UNSUBACK 0/1") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":7,"topic":"t/#"})") == kOk);
  const auto unsubs = t.s.calls_of(CallKind::unsubscribe);
  REQUIRE(unsubs.size() == 1);
  CHECK(unsubs[0].data == "t/#");
  REQUIRE(t.s.resolve_next() == kOk);
  CHECK(t.s.take_sent() == R"({"type":8,"code":0})");

  REQUIRE(t.s.bytes(R"({"type":7,"topic":"t/#"})") == kOk);
  REQUIRE(t.s.resolve_all(CallKind::unsubscribe, EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE) == kOk);
  CHECK(t.s.take_sent() == R"({"type":8,"code":1})");
}

TEST_CASE("jsonframe: DISCONNECT closes without a reply and ignores what follows") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":9} {"type":5,"topic":"t","qos":0})") == kOk);
  CHECK(t.s.close_requested());
  CHECK(t.s.take_sent().empty());
  CHECK(t.s.calls_of(CallKind::subscribe).empty());
}

TEST_CASE("jsonframe: DISCONNECT waits for the replies owed to earlier frames") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":3,"topic":"t","qos":0,"payload":"x"}{"type":9})") == kOk);
  CHECK_FALSE(t.s.close_requested());
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":0})");
  CHECK(t.s.calls.back().kind == CallKind::close);
}

TEST_CASE("jsonframe: two frames in one chunk are both handled, replies in frame order") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":3,"topic":"a","qos":0,"payload":"1"}{"type":5,"topic":"b","qos":0})") == kOk);
  CHECK(t.s.calls_of(CallKind::publish).size() == 1);
  CHECK(t.s.calls_of(CallKind::subscribe).size() == 1);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":4,"code":0}{"type":6,"code":0})");
}

TEST_CASE("jsonframe: CONNECT and PUBLISH pipelined in one chunk keep EMQX call order and reply order") {
  JsonFrame t;
  REQUIRE(t.s.bytes(R"({"type":1,"clientinfo":{"clientid":"c"},"password":""}{"type":3,"topic":"a","qos":0,"payload":"1"})") ==
          kOk);
  REQUIRE(t.s.calls.size() == 2);
  CHECK(t.s.calls[0].kind == CallKind::authenticate);
  CHECK(t.s.calls[1].kind == CallKind::publish);
  REQUIRE(t.s.resolve_all() == kOk);
  CHECK(t.s.take_sent() == R"({"type":2,"code":0}{"type":4,"code":0})");
}

TEST_CASE("jsonframe: one frame split over three chunks, cut inside a string and after an escape") {
  JsonFrame t;
  t.connect();
  const std::string frame = R"({"type":3,"topic":"t/}{","qos":0,"payload":"a\"}b"})";
  const auto cut1 = frame.find("t/}") + 2;   // inside the topic, before a brace
  const auto cut2 = frame.find("\\\"") + 1;  // right after the backslash
  REQUIRE(t.s.bytes(frame.substr(0, cut1)) == kOk);
  REQUIRE(t.s.bytes(frame.substr(cut1, cut2 - cut1)) == kOk);
  CHECK(t.s.calls_of(CallKind::publish).empty());
  REQUIRE(t.s.bytes(frame.substr(cut2)) == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == "t/}{");
  CHECK(pubs[0].payload == "a\"}b");
}

TEST_CASE("jsonframe: whitespace between and around frames is allowed") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(" \r\n\t{ \"type\" : 7 , \"topic\" : \"x\" }\n\n  {\"type\":7,\"topic\":\"y\"}\r\n") == kOk);
  CHECK(t.s.calls_of(CallKind::unsubscribe).size() == 2);
}

TEST_CASE("jsonframe: escapes and unicode in device strings are decoded") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.bytes(R"({"type":3,"topic":"t\/\u00e9\ud83d\ude00","qos":0,"payload":"q\"b\\n\nt\t0\u0000"})") == kOk);
  const auto pubs = t.s.calls_of(CallKind::publish);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].data == "t/\xC3\xA9\xF0\x9F\x98\x80");
  CHECK(pubs[0].payload == "q\"b\\n\nt\t0\0"s);
}

TEST_CASE("jsonframe: keepalive timeout sends DISCONNECT then closes") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.keepalive_timeout() == kOk);
  CHECK(t.s.take_sent() == R"({"type":9})");
  REQUIRE(t.s.calls.size() >= 2);
  CHECK(t.s.calls[t.s.calls.size() - 2].kind == CallKind::send);
  CHECK(t.s.calls.back().kind == CallKind::close);
}

TEST_CASE("jsonframe: deliveries become one PUBLISH frame each, in order") {
  JsonFrame t;
  t.connect();
  REQUIRE(t.s.messages({{"t/dn", "echo", 0}, {"t/2", "two", 1}}) == kOk);
  const auto sends = t.s.calls_of(CallKind::send);
  REQUIRE(sends.size() == 3);
  CHECK(sends[1].data == R"({"type":3,"topic":"t/dn","qos":0,"payload":"echo"})");
  CHECK(sends[2].data == R"({"type":3,"topic":"t/2","qos":1,"payload":"two"})");
}

TEST_CASE("jsonframe: delivered strings are escaped as jiffy does") {
  JsonFrame t;
  REQUIRE(t.s.messages({{"a/b", "q\"\\/\b\f\n\r\t\x01\x1f\x7f\xC3\xA9\xF0\x9F\x98\x80", 2}}) == kOk);
  CHECK(t.s.take_sent() ==
        "{\"type\":3,\"topic\":\"a/b\",\"qos\":2,\"payload\":\"q\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001F\x7f"
        "\xC3\xA9\xF0\x9F\x98\x80\"}");
}

TEST_CASE("jsonframe: invalid UTF-8 in a delivery is repaired as jiffy's force_utf8 does") {
  JsonFrame t;
  SUBCASE("a stray byte and a truncated sequence each become U+FFFD") {
    REQUIRE(t.s.messages({{"t", "a\xFF" "b\xE2\x82" "c", 0}}) == kOk);
    CHECK(t.s.take_sent() == "{\"type\":3,\"topic\":\"t\",\"qos\":0,\"payload\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\"}");
  }
  SUBCASE("an overlong NUL decodes and is escaped") {
    REQUIRE(t.s.messages({{"t", "x\xC0\x80", 0}}) == kOk);
    CHECK(t.s.take_sent() == "{\"type\":3,\"topic\":\"t\",\"qos\":0,\"payload\":\"x\\u0000\"}");
  }
  SUBCASE("a CESU-8 surrogate pair is combined, a lone surrogate replaced") {
    REQUIRE(t.s.messages({{"t", "\xED\xA0\xBD\xED\xB8\x80|\xED\xA0\x80", 0}}) == kOk);
    CHECK(t.s.take_sent() ==
          "{\"type\":3,\"topic\":\"t\",\"qos\":0,\"payload\":\"\xF0\x9F\x98\x80|\xEF\xBF\xBD\"}");
  }
  SUBCASE("repair of one string also rewrites U+FFFF in the other") {
    REQUIRE(t.s.messages({{"t\xEF\xBF\xBF", "\x80", 0}}) == kOk);
    CHECK(t.s.take_sent() ==
          "{\"type\":3,\"topic\":\"t\xEF\xBF\xBD\",\"qos\":0,\"payload\":\"\xEF\xBF\xBD\"}");
  }
}

TEST_CASE("jsonframe: a call the host refuses is answered with a failure code at once") {
  JsonFrame t;
  t.connect();
  t.s.refuse_calls = true;
  REQUIRE(t.s.bytes(R"({"type":5,"topic":"t","qos":0})") == kOk);
  t.s.refuse_calls = false;
  CHECK(t.s.take_sent() == R"({"type":6,"code":1})");
}

TEST_CASE("jsonframe: malformed or invalid frames fail the connection with one precise log line") {
  struct Case {
    const char* bytes;
    const char* log;
  };
  const Case cases[] = {
      {R"({"type":})", "not valid JSON"},
      {"x{}", "expected '{' to start a frame, got byte 0x78"},
      {R"([1,2])", "got byte 0x5b"},
      {R"({"kind":1})", "lacks field \"type\""},
      {R"({"type":"3"})", "field \"type\" must be an integer, got string"},
      {R"({"type":3.0,"topic":"t"})", "field \"type\" must be an integer"},
      {R"({"type":42})", "unknown type 42"},
      {R"({"type":2,"code":0})", "CONNACK (type 2) is sent by the server"},
      {R"({"type":4,"code":0})", "PUBACK (type 4) is sent by the server"},
      {R"({"type":6,"code":0})", "SUBACK (type 6) is sent by the server"},
      {R"({"type":8,"code":0})", "UNSUBACK (type 8) is sent by the server"},
      {R"({"type":1,"password":"p"})", "CONNECT lacks field \"clientinfo\""},
      {R"({"type":1,"clientinfo":{}})", "CONNECT lacks field \"password\""},
      {R"({"type":1,"clientinfo":[],"password":""})", "\"clientinfo\" must be an object"},
      {R"({"type":1,"clientinfo":{"clientid":7},"password":""})", "clientinfo.clientid must be a string"},
      {R"({"type":1,"clientinfo":{"keepalive":-1},"password":""})", "clientinfo.keepalive must be between 0 and"},
      {R"({"type":3,"topic":"t","payload":"x"})", "PUBLISH lacks field \"qos\""},
      {R"({"type":3,"topic":"t","qos":"1","payload":"x"})", "PUBLISH field \"qos\" must be an integer, got string"},
      {R"({"type":10,"topic":1,"qos":0,"payload":"x"})", "RAW_PUBLISH field \"topic\" must be a string"},
      {R"({"type":5,"topic":"t"})", "SUBSCRIBE lacks field \"qos\""},
      {R"({"type":7})", "UNSUBSCRIBE lacks field \"topic\""},
      {"{\"type\":3,\"topic\":\"\xFF\",\"qos\":0,\"payload\":\"\"}", "not valid JSON (or not UTF-8)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.bytes);
    JsonFrame t;
    CHECK(t.s.bytes(c.bytes) == EXPROTO_STATUS_INVALID_INPUT);
    REQUIRE(t.s.logs.size() == 1);
    CHECK(t.s.logs[0].level == EXPROTO_LOG_ERROR);
    CHECK_MESSAGE(t.s.logged(c.log), "log was: " << t.s.logs[0].text);
    CHECK(t.s.calls.empty());
  }
}

TEST_CASE("jsonframe: a frame larger than max_frame_bytes fails with a limit status") {
  JsonFrame t(R"({"max_frame_bytes":64})");
  SUBCASE("complete in one chunk") {
    const std::string big = R"({"type":3,"topic":"t","qos":0,"payload":")" + std::string(60, 'x') + "\"}";
    CHECK(t.s.bytes(big) == EXPROTO_STATUS_LIMIT);
  }
  SUBCASE("growing over chunks, refused before it ends") {
    CHECK(t.s.bytes(R"({"type":3,"payload":")") == kOk);
    CHECK(t.s.bytes(std::string(30, 'x')) == kOk);
    CHECK(t.s.bytes(std::string(30, 'x')) == EXPROTO_STATUS_LIMIT);
  }
  REQUIRE(t.s.logs.size() == 1);
  CHECK(t.s.logged("exceeds max_frame_bytes"));
  CHECK(t.s.calls.empty());
}

TEST_CASE("jsonframe: a frame of exactly max_frame_bytes is accepted") {
  const std::string frame = R"({"type":7,"topic":"abcdef"})";
  JsonFrame t(R"({"max_frame_bytes":)" + std::to_string(frame.size()) + "}");
  CHECK(t.s.bytes(frame + frame) == kOk);
  CHECK(t.s.calls_of(CallKind::unsubscribe).size() == 2);
}

TEST_CASE("jsonframe: deeply nested frames are refused") {
  JsonFrame t;
  CHECK(t.s.bytes("{\"a\":" + std::string(100, '[')) == EXPROTO_STATUS_LIMIT);
  CHECK(t.s.logged("nested deeper than 64"));
}

TEST_CASE("jsonframe: config: valid forms are accepted") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{JSONFRAME_SO, host};
  for (const char* cfg : {"", "  ", "null", "{}", R"({"max_frame_bytes":16})", R"({"max_frame_bytes":67108864})"}) {
    CAPTURE(cfg);
    CHECK_FALSE(CodecInstance::refuse(lib, cfg).has_value());
  }
}

TEST_CASE("jsonframe: config: bad values refuse the codec with a clear reason") {
  CheckedHost host{{.timers = false}};  // these codecs use no host timers
  CodecLibrary lib{JSONFRAME_SO, host};
  struct Case {
    const char* config;
    const char* reason;
  };
  const Case cases[] = {
      {"{", "jsonframe config: not valid JSON"},
      {"[]", "jsonframe config: must be an object, got array"},
      {R"({"max_frame_byte":10})", "jsonframe config: unknown key \"max_frame_byte\" (known: max_frame_bytes)"},
      {R"({"max_frame_bytes":"1M"})", "jsonframe config: \"max_frame_bytes\" must be an integer"},
      {R"({"max_frame_bytes":0})", "jsonframe config: \"max_frame_bytes\" must be between 16 and 67108864, got 0"},
      {R"({"max_frame_bytes":-5})", "must be between 16 and 67108864, got -5"},
      {R"({"max_frame_bytes":1e9})", "\"max_frame_bytes\" must be an integer"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.config);
    const auto refusal = CodecInstance::refuse(lib, c.config);
    REQUIRE(refusal.has_value());
    CHECK(refusal->status != EXPROTO_STATUS_OK);
    CHECK_MESSAGE(refusal->reason.find(c.reason) != std::string::npos, "reason was: " << refusal->reason);
  }
}

TEST_CASE("jsonframe: sessions of one codec instance keep separate buffers") {
  JsonFrame t;
  FakeSession other{t.codec, "conn-2"};
  REQUIRE(t.s.bytes(R"({"type":7,)") == kOk);
  REQUIRE(other.bytes(R"({"type":7,"topic":"o"})") == kOk);
  REQUIRE(t.s.bytes(R"("topic":"s"})") == kOk);
  REQUIRE(t.s.calls_of(CallKind::unsubscribe).size() == 1);
  CHECK(t.s.calls_of(CallKind::unsubscribe)[0].data == "s");
  REQUIRE(other.calls_of(CallKind::unsubscribe).size() == 1);
  CHECK(other.calls_of(CallKind::unsubscribe)[0].data == "o");
}

TEST_CASE("jsonframe: over UDP a datagram holds whole frames only") {
  JsonFrame t;
  FakeSession udp{t.codec, "udp-1", EXPROTO_SOCK_UDP};
  REQUIRE(udp.bytes(R"({"type":7,"topic":"a"} {"type":7,"topic":"b"})" "\n") == kOk);
  CHECK(udp.calls_of(CallKind::unsubscribe).size() == 2);
  CHECK(udp.bytes(R"({"type":7,"topic":)") == EXPROTO_STATUS_INVALID_INPUT);
  REQUIRE(udp.logs.size() == 1);
  CHECK(udp.logged("datagram ends inside a frame (18 bytes)"));
}

}  // TEST_SUITE
