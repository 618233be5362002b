// Why bytes from the broker are not a valid MQTT packet. The kind picks the DISCONNECT reason we
// answer with (malformed vs. protocol error vs. too large); the detail is for the one log line.
#pragma once

#include <string>

namespace exproto::host::mqtt {

enum class DecodeErrorKind {
  malformed_varint,  // a variable byte integer longer than 4 bytes (or not minimal where it matters)
  truncated,         // a field runs past the end of the packet (or packet ends inside a property)
  bad_utf8,          // a string's length runs past the packet, or its bytes are not well-formed UTF-8
  bad_property,      // unknown property id, a property twice, or a value out of range
  bad_packet,        // reserved flag bits, bad QoS, trailing bytes, a packet type a client never receives
  oversize,          // Remaining Length above the configured maximum packet size
};

struct DecodeError {
  DecodeErrorKind kind = DecodeErrorKind::bad_packet;
  std::string detail;  // e.g. "PUBLISH topic: string of 12 bytes, 5 left"
};

const char* decode_error_kind_name(DecodeErrorKind k);

}  // namespace exproto::host::mqtt
