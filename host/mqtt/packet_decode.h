// Decodes the body of one whole packet whose fixed header has been split off (packet_decoder.h
// does the framing). Checks what the spec makes a Malformed Packet or Protocol Error that the
// bytes alone can show: reserved flag bits, QoS 3, packet id 0, wildcards in a PUBLISH topic,
// missing payloads, trailing bytes, bad strings and properties.
#pragma once

#include <cstdint>
#include <expected>
#include <string_view>

#include "host/mqtt/decode_error.h"
#include "host/mqtt/packets.h"

namespace exproto::host::mqtt {

std::expected<Packet, DecodeError> decode_packet(ProtocolVersion v, uint8_t first_byte, std::string_view body);

}  // namespace exproto::host::mqtt
