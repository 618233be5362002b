#include "host/mqtt/packet_decoder.h"

#include <algorithm>

#include "host/mqtt/packet_decode.h"
#include "host/mqtt/wire_reader.h"

namespace exproto::host::mqtt {

std::expected<std::optional<PacketDecoder::Header>, DecodeError> PacketDecoder::header(std::string_view s) const {
  if (s.empty()) return std::nullopt;
  bool malformed = false;
  const auto length = read_varint_prefix(s.substr(1), malformed);
  if (malformed) {
    return std::unexpected(DecodeError{DecodeErrorKind::malformed_varint, "fixed header: Remaining Length longer than 4 bytes"});
  }
  if (!length) return std::nullopt;
  Header h{static_cast<uint8_t>(s[0]), 1 + length->length, length->value};
  if (h.header_size + h.remaining > max_packet_size_) {
    return std::unexpected(DecodeError{DecodeErrorKind::oversize,
        std::string(packet_type_name(static_cast<PacketType>(h.first >> 4))) + ": packet of " +
        std::to_string(h.header_size + h.remaining) + " bytes exceeds the maximum packet size " +
        std::to_string(max_packet_size_)});
  }
  return h;
}

PacketDecoder::Result PacketDecoder::decode(const Header& h, std::string_view whole) const {
  auto p = decode_packet(version_, h.first, whole.substr(h.header_size, h.remaining));
  if (!p) return std::unexpected(std::move(p.error()));
  return std::optional<Packet>(std::move(*p));
}

PacketDecoder::Result PacketDecoder::next(std::string_view& in) {
  if (partial_.empty()) {
    // The common case: whole packets straight from the caller's bytes, nothing copied.
    auto h = header(in);
    if (!h) return std::unexpected(std::move(h.error()));
    if (*h && in.size() >= (*h)->header_size + (*h)->remaining) {
      const std::size_t size = (*h)->header_size + (*h)->remaining;
      auto r = decode(**h, in.substr(0, size));
      in.remove_prefix(size);
      return r;
    }
    partial_.assign(in);
    in = {};
    return std::nullopt;
  }
  // An unfinished packet: first complete its header a byte at a time (at most 4 more), then take
  // only the bytes that belong to it, leaving the rest of `in` for the next packet.
  auto h = header(partial_);
  while (h && !*h && !in.empty()) {
    partial_.push_back(in.front());
    in.remove_prefix(1);
    h = header(partial_);
  }
  if (!h) return std::unexpected(std::move(h.error()));
  if (!*h) return std::nullopt;
  const std::size_t size = (*h)->header_size + (*h)->remaining;
  const std::size_t take = std::min(size - partial_.size(), in.size());
  partial_.append(in.substr(0, take));
  in.remove_prefix(take);
  if (partial_.size() < size) return std::nullopt;
  std::string whole;
  whole.swap(partial_);  // leaves partial_ without memory
  return decode(**h, whole);
}

}  // namespace exproto::host::mqtt
