#include "header.hpp"

namespace jt808 {
namespace {
constexpr std::uint16_t kLenMask = 0x03ff;
constexpr std::uint16_t kSubpackageBit = 1u << 13;
constexpr std::uint16_t kVersionBit = 1u << 14;
}  // namespace

std::optional<ParsedFrame> parse_frame(std::span<const std::uint8_t> content, HeaderFault* fault) {
  const auto fail = [fault](HeaderFault f) -> std::optional<ParsedFrame> {
    if (fault != nullptr) *fault = f;
    return std::nullopt;
  };
  try {
    Reader r(content);
    ParsedFrame out;
    auto& h = out.header;
    h.msg_id = r.u16();
    const auto attrs = r.u16();
    h.body_len = attrs & kLenMask;
    h.encrypt = static_cast<std::uint8_t>((attrs >> 10) & 0x07);
    h.subpackage = (attrs & kSubpackageBit) != 0;
    if ((attrs & kVersionBit) != 0) {
      h.version = Version::v2019;
      h.proto_ver = r.u8();
      h.phone = r.bcd(10);
    } else {
      h.phone = r.bcd(6);
    }
    h.msg_sn = r.u16();
    if (h.subpackage) {
      h.frag_total = r.u16();
      h.frag_sn = r.u16();
    }
    if (r.remaining() != h.body_len) {
      return fail(r.remaining() < h.body_len ? HeaderFault::truncated : HeaderFault::length_mismatch);
    }
    out.body = r.rest();
    return out;
  } catch (const BodyError&) {
    return fail(HeaderFault::truncated);
  }
}

Bytes serialize_message(const Header& h, std::span<const std::uint8_t> body) {
  Writer w;
  w.u16(h.msg_id);
  std::uint16_t attrs = static_cast<std::uint16_t>(body.size() & kLenMask);
  attrs |= static_cast<std::uint16_t>((h.encrypt & 0x07) << 10);
  if (h.subpackage) attrs |= kSubpackageBit;
  if (h.version == Version::v2019) attrs |= kVersionBit;
  w.u16(attrs);
  if (h.version == Version::v2019) {
    w.u8(h.proto_ver);
    w.bcd(h.phone, 10);
  } else {
    w.bcd(h.phone, 6);
  }
  w.u16(h.msg_sn);
  if (h.subpackage) {
    w.u16(h.frag_total);
    w.u16(h.frag_sn);
  }
  w.raw(body);
  return w.take();
}

}  // namespace jt808
