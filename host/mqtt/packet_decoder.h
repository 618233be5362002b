// Splits the byte stream from the broker into packets as bytes arrive: a read may end inside a
// packet (even inside its length) or hold several. Bytes of an unfinished packet are kept here;
// between packets nothing is kept and the buffer's memory is given back, so an idle connection
// costs no receive buffer. A Remaining Length above the maximum is refused as soon as the length
// is read, before any of the body is buffered.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "host/mqtt/decode_error.h"
#include "host/mqtt/packets.h"

namespace exproto::host::mqtt {

class PacketDecoder {
 public:
  // `max_packet_size`: the largest whole packet (fixed header included) accepted, as MQTT 5's
  // Maximum Packet Size counts it.
  PacketDecoder(ProtocolVersion v, uint32_t max_packet_size) : version_(v), max_packet_size_(max_packet_size) {}

  using Result = std::expected<std::optional<Packet>, DecodeError>;

  // Takes bytes from the front of `in`: returns the next whole packet, or nullopt once `in` is
  // used up without completing one (its bytes are kept for the next call). After an error the
  // stream cannot be resynchronised: the connection must be closed.
  Result next(std::string_view& in);

  // No bytes of an unfinished packet are held.
  bool idle() const { return partial_.empty(); }
  std::size_t buffered() const { return partial_.size(); }

 private:
  struct Header {
    uint8_t first = 0;
    std::size_t header_size = 0;
    uint32_t remaining = 0;
  };
  // Reads the fixed header at the start of `s`: nullopt with no error when more bytes are needed.
  std::expected<std::optional<Header>, DecodeError> header(std::string_view s) const;
  Result decode(const Header& h, std::string_view whole) const;

  ProtocolVersion version_;
  uint32_t max_packet_size_;
  std::string partial_;
};

}  // namespace exproto::host::mqtt
