// STRING fields that are not UTF-8, as EMQX's encoder (jiffy with force_utf8) publishes them:
// byte vectors in, the exact UTF-8 out. "\xef\xbf\xbd" is U+FFFD.
#include "message_json.hpp"
#include "utf8_repair.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace jt808;
using namespace jt808test;

namespace {
constexpr const char* R = "\xef\xbf\xbd";  // U+FFFD
std::string r(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += R;
  return out;
}
}  // namespace

TEST_CASE("jt808 utf8: strict validity is the check EMQX's encoder makes before repairing") {
  CHECK(is_utf8(""));
  CHECK(is_utf8("plain ASCII"));
  CHECK(is_utf8(unhex("e4baac f09f9880 efbfbf")));  // 京, U+1F600, U+FFFF (a non-character, but valid)
  CHECK_FALSE(is_utf8(unhex("ff")));
  CHECK_FALSE(is_utf8(unhex("c0af")));      // overlong '/'
  CHECK_FALSE(is_utf8(unhex("e080af")));    // overlong
  CHECK_FALSE(is_utf8(unhex("f08080af")));  // overlong
  CHECK_FALSE(is_utf8(unhex("eda080")));    // surrogate
  CHECK_FALSE(is_utf8(unhex("f4908080")));  // above U+10FFFF
  CHECK_FALSE(is_utf8(unhex("e4ba")));      // cut short
}

TEST_CASE("jt808 utf8: a bad byte and the continuation bytes after it become one U+FFFD") {
  CHECK(repair_utf8(unhex("61ff")) == std::string("a") + R);
  // GBK 京 (BE A9): a stray continuation byte followed by another is one replacement, not two.
  CHECK(repair_utf8(unhex("bea9")) == r(1));
  CHECK(repair_utf8(unhex("808080 78")) == r(1) + "x");
  // A cut-short sequence and its continuation bytes: one.
  CHECK(repair_utf8(unhex("e4b8 41")) == r(1) + "A");
  // Bytes that are not continuation bytes each start a new replacement: FF FE is two, GBK 张三
  // (D5 C5 C8 FD) four, since none of its bytes is 0x80–0xBF.
  CHECK(repair_utf8(unhex("fffe")) == r(2));
  CHECK(repair_utf8(unhex("d5c5c8fd")) == r(4));
  // Mixed: valid characters around the bad run stay.
  CHECK(repair_utf8(unhex("41 e4baac 80bf 42")) == "A\xe4\xba\xac" + r(1) + "B");
}

TEST_CASE("jt808 utf8: the loose decoder keeps overlong forms and joins CESU-8 surrogate pairs") {
  CHECK(repair_utf8(unhex("c0af")) == "/");
  CHECK(repair_utf8(unhex("e08080")) == std::string(1, '\0'));
  CHECK(repair_utf8(unhex("eda0bd edb880")) == "\xf0\x9f\x98\x80");  // U+1F600 from its surrogates
  CHECK(repair_utf8(unhex("eda0bd")) == r(1));                        // a lone surrogate
  CHECK(repair_utf8(unhex("edb880 eda0bd")) == r(2));                 // low before high: both
  CHECK(repair_utf8(unhex("f4908080")) == r(1));                      // above U+10FFFF
  CHECK(repair_utf8(unhex("efbfbe efbfbf")) == r(2));                 // U+FFFE, U+FFFF
  CHECK(repair_utf8(unhex("f09f9880")) == "\xf0\x9f\x98\x80");
}

TEST_CASE("jt808 utf8: a payload is repaired as a whole, only when some string in it is not UTF-8") {
  // All valid: untouched, even U+FFFF.
  CHECK(dump_json(Json{{"a", unhex("efbfbf")}}) == "{\"a\":\"\xef\xbf\xbf\"}");
  // One bad string: every string is rebuilt, so the U+FFFF elsewhere becomes U+FFFD as well.
  CHECK(dump_json(Json{{"a", unhex("efbfbf")}, {"b", Json::array({unhex("bea9")})}}) ==
        std::string("{\"a\":\"") + R + "\",\"b\":[\"" + R + "\"]}");
  CHECK(dump_json(Json{{"t", unhex("c0af")}}) == "{\"t\":\"/\"}");
}
