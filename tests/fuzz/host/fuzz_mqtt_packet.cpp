// The MQTT packet decoder (host/mqtt) on arbitrary broker bytes. Input: byte 0 picks the protocol
// version (bit 0) and the maximum packet size, byte 1 the read size, the rest is the stream.
// Invariants: decoding never crashes or hangs; the stream decodes to the same packets and the same
// error whether it arrives whole or in small reads; every decoded packet encodes, and its
// encoding decodes back to an equal packet.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "host/mqtt/packet_decoder.h"
#include "host/mqtt/packet_encode.h"

using exproto::host::fuzz::require;
using namespace exproto::host::mqtt;

namespace {

struct Outcome {
  std::vector<Packet> packets;
  std::optional<DecodeError> error;
  std::size_t buffered = 0;
};

Outcome decode_all(ProtocolVersion v, uint32_t max, std::string_view stream, std::size_t read_size) {
  Outcome out;
  PacketDecoder d(v, max);
  for (std::size_t at = 0; at < stream.size() && !out.error; at += read_size) {
    std::string_view in = stream.substr(at, read_size);
    while (true) {
      auto r = d.next(in);
      if (!r) {
        out.error = r.error();
        break;
      }
      if (!*r) break;
      out.packets.push_back(std::move(**r));
    }
    require(out.error || in.empty(), "decoder left bytes of a read unconsumed");
  }
  out.buffered = d.buffered();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return -1;
  const auto v = (data[0] & 1) ? ProtocolVersion::v5 : ProtocolVersion::v3_1_1;
  const uint32_t max = 2 + (static_cast<uint32_t>(data[0] >> 1) << 6);  // 2 .. 8130 bytes
  const std::size_t read_size = 1 + data[1] % 32;
  const std::string_view stream(reinterpret_cast<const char*>(data + 2), size - 2);

  const Outcome whole = decode_all(v, max, stream, stream.size() ? stream.size() : 1);
  const Outcome split = decode_all(v, max, stream, read_size);
  require(whole.packets == split.packets, "whole and split reads decode to different packets");
  require(whole.error.has_value() == split.error.has_value(), "whole and split reads disagree on an error");
  if (whole.error) {
    require(whole.error->kind == split.error->kind && whole.error->detail == split.error->detail,
            "whole and split reads report different errors:", whole.error->detail + " / " + split.error->detail);
    require(!whole.error->detail.empty(), "decode error without detail");
  } else {
    require(whole.buffered == split.buffered, "whole and split reads keep different partial packets");
  }

  for (const auto& p : whole.packets) {
    auto bytes = encode_packet(v, p);
    require(bytes.has_value(), "a decoded packet does not encode:", bytes ? "" : bytes.error());
    // A re-encoding may use MQTT 5's shorter forms, so it may be smaller, never larger than max.
    PacketDecoder again(v, max);
    std::string_view in = *bytes;
    auto r = again.next(in);
    require(r.has_value(), "a re-encoded packet does not decode:", r ? "" : r.error().detail);
    require(r->has_value() && in.empty(), "a re-encoded packet is not exactly one packet");
    require(**r == p, "a packet changed through encode and decode");
  }
  return 0;
}
