// The frame layer (escaping, check code, the streaming receiver) and the header of both editions.
#include "framing.hpp"
#include "header.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

using namespace jt808;
using namespace jt808test;

namespace {

struct Collected {
  std::vector<std::string> frames;  // hex of header + body
  std::vector<FrameFault> faults;
  std::size_t garbage = 0;
};

// Feeds `chunks` in order; returns what the receiver reported.
Collected receive(const std::vector<std::string>& chunks, std::size_t limit = 8192, bool* within = nullptr) {
  FrameReceiver rx(limit);
  Collected c;
  const FrameReceiver::Sink sink{
      [&](std::span<const std::uint8_t> f) { c.frames.push_back(hex(f)); },
      [&](FrameFault f) { c.faults.push_back(f); },
      [&](std::size_t n) { c.garbage += n; },
  };
  bool ok = true;
  for (const auto& chunk : chunks) {
    const auto b = std::span(reinterpret_cast<const std::uint8_t*>(chunk.data()), chunk.size());
    ok = rx.feed(b, sink) && ok;
  }
  if (within != nullptr) *within = ok;
  return c;
}

// The content (header + body, no check) of a vector frame: unescaped by hand.
std::string content_of(const char* frame_hex) {
  const auto raw = unhex(frame_hex);
  std::string out;
  for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
    if (raw[i] == 0x7d) {
      out.push_back(raw[++i] == 0x01 ? 0x7d : 0x7e);
    } else {
      out.push_back(raw[i]);
    }
  }
  out.pop_back();  // check code
  return hex(out);
}

}  // namespace

TEST_CASE("jt808: frame_bytes computes the XOR check and escapes 0x7e/0x7d") {
  const auto content = unhex_bytes(content_of(vec::escaped13));
  CHECK(hex(frame_bytes(content)) == vec::escaped13);
  CHECK(check_code(unhex_bytes("0102")) == 0x03);
  // A check code that is itself 0x7e is escaped.
  const auto c = unhex_bytes("7e00");
  CHECK(hex(frame_bytes(c)) == "7e7d02007d027e");
}

TEST_CASE("jt808: receiver yields whole frames, also when fed byte by byte") {
  const auto stream = unhex(vec::register13) + unhex(vec::escaped13) + unhex(vec::auth19);
  const auto whole = receive({stream});
  REQUIRE(whole.frames.size() == 3);
  CHECK(whole.frames[0] == content_of(vec::register13));
  CHECK(whole.frames[1] == content_of(vec::escaped13));
  CHECK(whole.frames[2] == content_of(vec::auth19));
  std::vector<std::string> bytes;
  for (const char c : stream) bytes.emplace_back(1, c);
  CHECK(receive(bytes).frames == whole.frames);
  // Split right after a 0x7d: the escape continues in the next read (EMQX mis-reads this).
  const auto esc = unhex(vec::escaped13);
  const auto cut = esc.find('\x7d') + 1;
  CHECK(receive({esc.substr(0, cut), esc.substr(cut)}).frames == std::vector{content_of(vec::escaped13)});
  // A read that starts with 0x01/0x02 after a partial frame without a pending escape stays literal.
  const auto pkg = unhex(vec::pkg1_13);
  const auto at = pkg.find(std::string("\x01\x02", 2));
  REQUIRE(at != std::string::npos);
  CHECK(receive({pkg.substr(0, at), pkg.substr(at)}).frames == std::vector{content_of(vec::pkg1_13)});
}

TEST_CASE("jt808: receiver skips garbage, tolerates 7e7e and shared flags") {
  const auto a = unhex(vec::auth13);
  const auto b = unhex(vec::heartbeat13);
  auto c = receive({"xyz" + a + "\x7e" + b});
  CHECK(c.garbage == 3);
  CHECK(c.frames.size() == 2);
  // Shared flag: "7e A 7e B 7e".
  c = receive({a + b.substr(1)});
  CHECK(c.frames == std::vector{content_of(vec::auth13), content_of(vec::heartbeat13)});
  CHECK(c.faults.empty());
}

TEST_CASE("jt808: receiver drops only the bad frame and resynchronises") {
  auto bad = unhex(vec::auth13);
  bad[bad.size() - 2] ^= 0x01;  // check code
  auto c = receive({bad + unhex(vec::heartbeat13)});
  CHECK(c.faults == std::vector{FrameFault::bad_check});
  CHECK(c.frames == std::vector{content_of(vec::heartbeat13)});

  c = receive({unhex("7e 01 7d 03 02 7e") + unhex(vec::heartbeat13)});
  CHECK(c.faults == std::vector{FrameFault::bad_escape});
  CHECK(c.frames.size() == 1);

  c = receive({unhex("7e 7d 7e") + unhex(vec::heartbeat13).substr(1)});  // escape cut by a flag
  CHECK(c.faults == std::vector{FrameFault::bad_escape});
  CHECK(c.frames.size() == 1);

  c = receive({unhex("7e 01 02 03 7e")});
  CHECK(c.faults == std::vector{FrameFault::too_short});
}

TEST_CASE("jt808: receiver reports a frame past the limit") {
  bool within = true;
  receive({"\x7e" + std::string(2000, 'a')}, 1045, &within);
  CHECK_FALSE(within);
  receive({unhex(vec::register19)}, 1045, &within);
  CHECK(within);
}

TEST_CASE("jt808: header 2013 and 2019 parse and serialize") {
  const auto c13 = unhex_bytes(content_of(vec::location13));
  auto f = parse_frame(c13);
  REQUIRE(f);
  CHECK(f->header.msg_id == 0x0200);
  CHECK(f->header.version == Version::v2013);
  CHECK(f->header.phone == "013800138000");
  CHECK(f->header.msg_sn == 2);
  CHECK(f->header.body_len == 37);
  CHECK(f->body.size() == 37);
  CHECK(hex(serialize_message(f->header, f->body)) == hex(c13));

  const auto c19 = unhex_bytes(content_of(vec::location19));
  f = parse_frame(c19);
  REQUIRE(f);
  CHECK(f->header.version == Version::v2019);
  CHECK(f->header.proto_ver == 1);
  CHECK(f->header.phone == "00000000013800138000");
  CHECK(hex(serialize_message(f->header, f->body)) == hex(c19));

  const auto p = unhex_bytes(content_of(vec::pkg2_13));
  f = parse_frame(p);
  REQUIRE(f);
  CHECK(f->header.subpackage);
  CHECK(f->header.frag_total == 2);
  CHECK(f->header.frag_sn == 2);
  CHECK(hex(serialize_message(f->header, f->body)) == hex(p));
}

TEST_CASE("jt808: header faults: truncated, longer body, BCD nibbles above 9") {
  auto c = unhex_bytes(content_of(vec::location13));
  HeaderFault fault{};
  auto shorter = c;
  shorter.pop_back();
  CHECK_FALSE(parse_frame(shorter, &fault));
  CHECK(fault == HeaderFault::truncated);
  auto longer = c;
  longer.push_back(0);
  CHECK_FALSE(parse_frame(longer, &fault));
  CHECK(fault == HeaderFault::length_mismatch);
  CHECK_FALSE(parse_frame(unhex_bytes("0200"), &fault));
  CHECK(fault == HeaderFault::truncated);
  // 0xAB in the phone renders as ':' ';' like EMQX.
  auto odd = unhex_bytes("0002 0000 ab0000000000 0001");
  const auto f = parse_frame(odd);
  REQUIRE(f);
  CHECK(f->header.phone == ":;0000000000");
  CHECK(hex(serialize_message(f->header, {})) == hex(odd));
}
