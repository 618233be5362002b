// string_encoding "gbk": exactly the STRING fields EMQX converts are GBK on the wire and UTF-8 in
// JSON (real GBK bytes, checked with `iconv -f utf-8 -t gbk`); bytes that are not GBK become
// U+FFFD on the way up, text GBK cannot hold refuses the downlink; other fields stay raw.
#include "body.hpp"
#include "gbk.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace jt808;
using namespace jt808test;

namespace {

struct GbkVector {
  const char* name;
  Version version;
  std::uint16_t msg_id;
  const char* body_hex;
  const char* json;
};

// 京A12345 = bea9 413132333435, 中文 = d6d0 cec4, 张三 = d5c5 c8fd, 北京 = b1b1 bea9, 区域 = c7f8 d3f2.
const GbkVector kGbk[] = {
    {"0x0100 plate", Version::v2013, 0x0100,
     "002c 012c 454d515831 4d31000000000000000000000000000000000000 44313233000000 01 bea9413132333435",
     R"({"province":44,"city":300,"manufacturer":"EMQX1","model":"M1","dev_id":"D123","color":1,"license_number":"京A12345"})"},
    {"0x8300 text", Version::v2019, 0x8300, "01 01 d6d0cec4", R"({"flag":1,"text_type":1,"text":"中文"})"},
    {"0x0702 driver and issuer names", Version::v2013, 0x0702,
     "01 231122031500 00 04 d5c5c8fd 3132333435363738393031323334353637383930 04 b1b1bea9 20301231",
     R"({"status":1,"time":"231122031500","ic_result":0,"driver_name":"张三","certificate":"12345678901234567890","organization":"北京","cert_expiry":"20301231"})"},
    {"0x8103 string parameter", Version::v2013, 0x8103, "02 00000083 08 bea9413132333435 00000001 04 0000001e",
     R"({"length":2,"params":[{"id":131,"value":"京A12345"},{"id":1,"value":30}]})"},
    {"0x0104 string parameter", Version::v2013, 0x0104, "0009 01 00000083 08 bea9413132333435",
     R"({"seq":9,"length":1,"params":[{"id":131,"value":"京A12345"}]})"},
    {"0x8301 event content", Version::v2013, 0x8301, "01 01 01 04 d6d0cec4",
     R"({"type":1,"length":1,"events":[{"id":1,"length":4,"content":"中文"}]})"},
    {"0x8302 question and answers", Version::v2013, 0x8302, "08 04 d6d0cec4 01 0004 b1b1bea9",
     R"({"flag":8,"length":4,"question":"中文","answers":[{"id":1,"len":4,"answer":"北京"}]})"},
    {"0x8303 menu names", Version::v2013, 0x8303, "01 01 01 0004 d6d0cec4",
     R"({"type":1,"length":1,"menus":[{"type":1,"length":4,"info":"中文"}]})"},
    {"0x8304 info", Version::v2013, 0x8304, "01 0004 d6d0cec4", R"({"type":1,"length":4,"info":"中文"})"},
    {"0x8401 contact name, phone raw", Version::v2013, 0x8401, "01 01 01 05 3130303836 04 d5c5c8fd",
     R"({"type":1,"length":1,"contacts":[{"type":1,"phone_len":5,"phone":"10086","name_len":4,"name":"张三"}]})"},
    {"0x8600 area name", Version::v2019, 0x8600, "01 01 00000001 0000 01dc9a07 073d4d95 00000064 0004 c7f8d3f2",
     R"({"type":1,"length":1,"areas":[{"id":1,"flag":0,"center_latitude":31234567,"center_longitude":121458069,"radius":100,"name":"区域"}]})"},
    {"0x8606 route name", Version::v2019, 0x8606, "00000009 0000 231122000000 231122235959 0000 0004 c7f8d3f2",
     R"({"id":9,"flag":0,"start_time":"231122000000","end_time":"231122235959","length":0,"points":[],"name":"区域"})"},
};

}  // namespace

TEST_CASE("jt808 gbk: the listed STRING fields are converted both ways") {
  GbkText gbk;
  for (const auto& v : kGbk) {
    const std::string name = v.name;
    CAPTURE(name);
    const BodyContext ctx{v.version, BitOrder::emqx, &gbk};
    const auto bytes = unhex_bytes(v.body_hex);
    const auto expected = Json::parse(v.json);
    CHECK(decode_body(v.msg_id, bytes, ctx) == expected);
    CHECK(hex(encode_body(v.msg_id, expected, ctx)) == hex(bytes));
  }
  CHECK(gbk.replaced() == 0);
  CHECK(gbk.refused() == 0);
}

TEST_CASE("jt808 gbk: identifiers, codes and phone numbers are not converted") {
  GbkText gbk;
  const BodyContext ctx{Version::v2013, BitOrder::emqx, &gbk};
  // 0x0102 code and 0x8400 phone stay raw bytes even when they are not GBK.
  CHECK(decode_body(0x0102, unhex_bytes("bea9ff"), ctx) == Json{{"code", std::string("\xbe\xa9\xff")}});
  CHECK(decode_body(0x8400, unhex_bytes("00 bea9"), ctx)["phone"] == std::string("\xbe\xa9"));
  CHECK(gbk.replaced() == 0);
}

TEST_CASE("jt808 gbk: utf8 (the default) passes GBK bytes through untouched") {
  const BodyContext ctx{Version::v2013};
  CHECK(decode_body(0x8300, unhex_bytes("01 bea941"), ctx)["text"] == std::string("\xbe\xa9" "A"));
  CHECK(hex(encode_body(0x8300, Json{{"flag", 1}, {"text", "京"}}, ctx)) == "01e4baac");
}

TEST_CASE("jt808 gbk: bytes that are not GBK become U+FFFD, one per bad byte, and are counted") {
  GbkText gbk;
  const BodyContext ctx{Version::v2013, BitOrder::emqx, &gbk};
  CHECK(decode_body(0x8300, unhex_bytes("01 41ff42"), ctx)["text"] == "A\xef\xbf\xbd" "B");
  CHECK(gbk.replaced() == 1);
  // A lead byte cut off at the end of the field.
  CHECK(decode_body(0x8300, unhex_bytes("01 41bea9be"), ctx)["text"] == "A京\xef\xbf\xbd");
  CHECK(gbk.replaced() == 2);
  // The converter is usable again after an error (its shift state was reset).
  CHECK(decode_body(0x8300, unhex_bytes("01 d6d0cec4"), ctx)["text"] == "中文");
  CHECK(gbk.replaced() == 2);
}

TEST_CASE("jt808 gbk: a downlink text GBK cannot hold is refused naming the field") {
  GbkText gbk;
  const BodyContext ctx{Version::v2013, BitOrder::emqx, &gbk};
  CHECK_THROWS_WITH(encode_body(0x8300, Json{{"flag", 1}, {"text", "a\xf0\x9f\x98\x80"}}, ctx),
                    "\"text\" is not valid UTF-8 or has characters GBK lacks");
  CHECK_THROWS_AS(encode_body(0x8401, Json::parse(R"({"type":1,"contacts":[{"type":1,"phone":"1","name":"\u00e9\u0301x\ud83d\ude00"}]})"), ctx),
                  BodyError);
  // Not UTF-8 at all (possible from code that builds the JSON itself).
  CHECK_THROWS_AS(encode_body(0x8304, Json{{"type", 1}, {"info", std::string("\xff")}}, ctx), BodyError);
  CHECK(gbk.refused() == 3);
  // Lengths count GBK bytes, not UTF-8 bytes.
  CHECK(hex(encode_body(0x8304, Json{{"type", 1}, {"info", "中文"}}, ctx)) == "010004d6d0cec4");
}

TEST_CASE("jt808 gbk: converters are independent objects (one per session)") {
  GbkText a;
  GbkText b;
  const BodyContext ca{Version::v2013, BitOrder::emqx, &a};
  const BodyContext cb{Version::v2013, BitOrder::emqx, &b};
  (void)decode_body(0x8300, unhex_bytes("01 ff"), ca);
  CHECK(decode_body(0x8300, unhex_bytes("01 bea9"), cb)["text"] == "京");
  CHECK(a.replaced() == 1);
  CHECK(b.replaced() == 0);
}
