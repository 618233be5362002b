// libFuzzer: arbitrary bytes through the frame receiver (split in two reads at a position taken
// from the input), then the header parser and the body decoder of both editions; every body that
// decodes is re-encoded and must decode to the same JSON; the same again with GBK text fields.
#include "body.hpp"
#include "framing.hpp"
#include "header.hpp"
#include "message_json.hpp"

#include <cstdint>
#include <cstdlib>

namespace {

void check_body(const jt808::Header& h, std::span<const std::uint8_t> body) {
  for (const auto order : {jt808::BitOrder::emqx, jt808::BitOrder::standard}) {
    const jt808::BodyContext ctx{h.version, order};
    jt808::Json json;
    try {
      json = jt808::decode_body(h.msg_id, body, ctx);
    } catch (const jt808::BodyError&) {
      continue;
    }
    (void)jt808::uplink_payload(h, json);  // serialising must never throw (invalid UTF-8 is replaced)
    if (!jt808::find_body(h.msg_id)) continue;
    jt808::Bytes again;
    try {
      again = jt808::encode_body(h.msg_id, json, ctx);
    } catch (const jt808::BodyError&) {
      continue;  // e.g. a CAN parameter that is not 8 bytes: decodable, not encodable
    }
    if (jt808::decode_body(h.msg_id, again, ctx) != json) std::abort();
  }
}

// string_encoding gbk: GBK -> UTF-8 -> GBK is not byte-exact (both A2E3 and 0x80 are the euro sign
// in glibc's GBK, and only one way back), so lengths may differ; what must hold is that nothing
// crashes and that whatever encodes decodes again.
void check_gbk_body(const jt808::Header& h, std::span<const std::uint8_t> body) {
  static jt808::GbkText gbk;  // one fuzzing thread
  const jt808::BodyContext ctx{h.version, jt808::BitOrder::emqx, &gbk};
  jt808::Json json;
  try {
    json = jt808::decode_body(h.msg_id, body, ctx);
  } catch (const jt808::BodyError&) {
    return;
  }
  (void)jt808::uplink_payload(h, json);
  if (!jt808::find_body(h.msg_id)) return;
  jt808::Bytes again;
  try {
    again = jt808::encode_body(h.msg_id, json, ctx);
  } catch (const jt808::BodyError&) {
    return;  // e.g. U+FFFD, which GBK cannot hold
  }
  try {
    (void)jt808::decode_body(h.msg_id, again, ctx);
  } catch (const jt808::BodyError&) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cut = data[0] % (size + 1);
  jt808::FrameReceiver rx(2048);
  const jt808::FrameReceiver::Sink sink{[](std::span<const std::uint8_t> content) {
                                          const auto f = jt808::parse_frame(content);
                                          if (!f) return;
                                          check_body(f->header, f->body);
                                          check_gbk_body(f->header, f->body);
                                          auto other = f->header;  // the same body read as the other edition
                                          other.version = other.version == jt808::Version::v2013
                                                              ? jt808::Version::v2019
                                                              : jt808::Version::v2013;
                                          check_body(other, f->body);
                                        },
                                        {},
                                        {}};
  rx.feed({data, cut}, sink);
  rx.feed({data + cut, size - cut}, sink);
  // The raw input as a body of every id class as well (no framing in the way).
  jt808::Header h;
  h.msg_id = static_cast<std::uint16_t>(data[0] << 8 | (size > 1 ? data[1] : 0));
  check_body(h, {data, size});
  check_gbk_body(h, {data, size});
  return 0;
}
