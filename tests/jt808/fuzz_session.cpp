// libFuzzer: whole sessions through the fake host with the codec linked in. The first byte picks a
// config and whether the terminal logs in first; the rest is a script of events: bytes from the
// device, results of pending calls, timer expiries, downlink deliveries, keepalive timeouts, and
// hot-reload migrations to another instance of the same config (which must always succeed).
// A hook that fails ends the session, as the real host closes the connection.
#include "fake_host.h"

#include <exproto/codec_abi.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" const exproto_codec_descriptor* exproto_codec_entry_v1(const exproto_host_api* host);

namespace {

const char* const kConfigs[] = {
    "{}",
    R"({"ignore_unsupported_frames":false,"max_frame_bytes":1045,"max_pending_frames":2,"string_encoding":"gbk",)"
    R"("reply_unknown_messages":true})",
    R"({"subpackage":{"reassemble":true,"max_sets":2,"max_bytes":2048,"request_missing":true},"max_inflight":1,"message_queue_len":1,"max_retry_times":1})",
    R"({"subpackage":{"reassemble":false},"publish_control_messages":true,"bit_order":"standard","auth":{"check_registered_code":true}})",
};

// 0x0102 authentication of phone 013800138000 (2013), code "anonymous".
const char kLogin13[] =
    "\x7e\x01\x02\x00\x09\x01\x38\x00\x13\x80\x00\x00\x01" "anonymous" "\xd2\x7e";

struct Script {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool more() const { return p < end; }
  std::uint8_t byte() { return p < end ? *p++ : 0; }
  std::string chunk() {
    std::size_t n = byte();
    if (n == 255) n = 255 + byte() * 4;  // occasionally long
    n = std::min<std::size_t>(n, static_cast<std::size_t>(end - p));
    std::string s(reinterpret_cast<const char*>(p), n);
    p += n;
    return s;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Script in{data, data + size};
  const auto mode = in.byte();
  // A host-contract violation (e.g. a short clientinfo) is a finding like a crash.
  codectest::FakeHost host{{.host_version = "jt808-fuzz", .on_violation = [](std::string_view) { std::abort(); }}};
  codectest::CodecLibrary lib(&exproto_codec_entry_v1, host);
  codectest::CodecInstance codec(lib, kConfigs[mode % 4]);
  codectest::CodecInstance next_generation(lib, kConfigs[mode % 4]);
  const codectest::CodecInstance* on = &codec;
  codectest::FakeSession s(codec);
  auto ok = [&](exproto_type_status st) {
    if (st != EXPROTO_STATUS_OK) s.close("host: hook failed");
    return st == EXPROTO_STATUS_OK;
  };
  if ((mode & 0x80) != 0) {
    if (!ok(s.bytes(std::string(kLogin13, sizeof kLogin13 - 1)))) return 0;
    if (!ok(s.resolve_all())) return 0;
  }
  while (in.more() && s.is_open()) {
    switch (in.byte() % 7) {
      case 0:
      case 1:
        ok(s.bytes(in.chunk()));
        break;
      case 2:
        if (s.waiting() > 0) ok(s.resolve_next(in.byte() % 6));
        break;
      case 3: {
        const auto timers = s.active_timers();
        if (!timers.empty()) ok(s.fire(timers[in.byte() % timers.size()].id));
        break;
      }
      case 4:
        ok(s.messages({{"jt808/dn", in.chunk(), 0}}));
        break;
      case 5:
        ok(s.resolve_all(codectest::CallKind::publish, in.byte() % 6));
        break;
      case 6: {
        const auto what = in.byte();
        if (what == 0) ok(s.keepalive_timeout());
        if (what == 1) {
          on = on == &codec ? &next_generation : &codec;
          // a session's own state must always be accepted by a generation with the same config
          if (s.migrate_to(*on) != EXPROTO_STATUS_OK) std::abort();
        }
        break;
      }
    }
  }
  return 0;
}
