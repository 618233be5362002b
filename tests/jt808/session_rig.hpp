// The session test rig shared by the session test files: the real jt808.so in the fake host,
// hex in and out, and a decoder for what the codec sent.
#pragma once

#include "body.hpp"
#include "checked_host.h"
#include "framing.hpp"
#include "header.hpp"
#include "test_util.hpp"

#include <doctest/doctest.h>

namespace jt808test {

using namespace codectest;
using jt808::Json;

inline constexpr auto kOk = EXPROTO_STATUS_OK;
inline constexpr const char* kUp13 = "jt808/013800138000/013800138000/up";
inline constexpr const char* kDn13 = "jt808/013800138000/013800138000/dn";

struct Sent {
  jt808::Header header;
  Json body;
};

// Decodes frames the codec sent, with the codec's own decoders (checked against vectors elsewhere).
inline std::vector<Sent> decode(const std::string& bytes) {
  std::vector<Sent> out;
  jt808::FrameReceiver rx(1 << 20);
  const jt808::FrameReceiver::Sink sink{[&](std::span<const std::uint8_t> content) {
                                          const auto f = jt808::parse_frame(content);
                                          REQUIRE(f);
                                          Json body = Json::object();
                                          if (!f->header.subpackage) {
                                            body = jt808::decode_body(f->header.msg_id, f->body,
                                                                      jt808::BodyContext{f->header.version});
                                          }
                                          out.push_back({f->header, body});
                                        },
                                        [](jt808::FrameFault) { FAIL("codec sent a bad frame"); },
                                        {}};
  rx.feed(jt808::as_bytes(bytes), sink);
  return out;
}

struct Rig {
  explicit Rig(std::string_view config = "{}") : codec(library, config) {}
  CheckedHost host{{.host_version = "jt808-tests"}};
  CodecLibrary library{JT808_SO, host};
  CodecInstance codec;
  FakeSession s{codec};

  exproto_type_status in(std::string_view frame_hex) { return s.bytes(unhex(frame_hex)); }
  std::string out() { return hex(s.take_sent()); }

  // register + authenticate (2013) and clear what they sent.
  void login13() {
    REQUIRE(in(vec::register13) == kOk);
    REQUIRE(in(vec::auth13) == kOk);
    REQUIRE(s.resolve_all() == kOk);
    REQUIRE(out() == std::string(vec::register_ack13) + vec::auth_ack13);
  }
  std::vector<Call> publishes() const { return s.calls_of(CallKind::publish); }
};

inline std::string text_command(int sn = -1) {
  Json j{{"header", {{"msg_id", 0x8300}}}, {"body", {{"flag", 1}, {"text", "hello"}}}};
  if (sn >= 0) j["header"]["msg_sn"] = sn;
  return j.dump();
}

/// One terminal frame (2013 header, phone 013800138000) with the given body.
inline std::string frame13(std::uint16_t id, std::uint16_t sn, std::string_view body_hex) {
  return jt808::as_string(jt808::frame_bytes(jt808::serialize_message(
      jt808::Header{id, 0, 0, jt808::Version::v2013, 1, "013800138000", sn}, unhex_bytes(body_hex))));
}

}  // namespace jt808test
