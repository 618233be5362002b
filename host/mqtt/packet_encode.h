// Encodes one packet to its bytes on the wire (fixed header included) for the given protocol
// version. Fails, instead of truncating, when a string exceeds 65 535 bytes, the packet exceeds
// the largest Remaining Length, or the packet cannot be said in that version (3.1.1: a password
// without a user name).
#pragma once

#include <expected>
#include <string>

#include "host/mqtt/packets.h"

namespace exproto::host::mqtt {

std::expected<std::string, std::string> encode_packet(ProtocolVersion v, const Packet& p);

}  // namespace exproto::host::mqtt
