// Names of packet types and decode failures, for log lines and error details.
#include "host/mqtt/decode_error.h"
#include "host/mqtt/mqtt_types.h"
#include "host/mqtt/packets.h"

namespace exproto::host::mqtt {

const char* packet_type_name(PacketType t) {
  switch (t) {
    case PacketType::connect: return "CONNECT";
    case PacketType::connack: return "CONNACK";
    case PacketType::publish: return "PUBLISH";
    case PacketType::puback: return "PUBACK";
    case PacketType::pubrec: return "PUBREC";
    case PacketType::pubrel: return "PUBREL";
    case PacketType::pubcomp: return "PUBCOMP";
    case PacketType::subscribe: return "SUBSCRIBE";
    case PacketType::suback: return "SUBACK";
    case PacketType::unsubscribe: return "UNSUBSCRIBE";
    case PacketType::unsuback: return "UNSUBACK";
    case PacketType::pingreq: return "PINGREQ";
    case PacketType::pingresp: return "PINGRESP";
    case PacketType::disconnect: return "DISCONNECT";
    case PacketType::auth: return "AUTH";
  }
  return "reserved packet type";
}

const char* decode_error_kind_name(DecodeErrorKind k) {
  switch (k) {
    case DecodeErrorKind::malformed_varint: return "malformed_varint";
    case DecodeErrorKind::truncated: return "truncated";
    case DecodeErrorKind::bad_utf8: return "bad_utf8";
    case DecodeErrorKind::bad_property: return "bad_property";
    case DecodeErrorKind::bad_packet: return "bad_packet";
    case DecodeErrorKind::oversize: return "oversize";
  }
  return "unknown";
}

PacketType packet_type(const Packet& p) {
  struct V {
    PacketType operator()(const Connect&) const { return PacketType::connect; }
    PacketType operator()(const Connack&) const { return PacketType::connack; }
    PacketType operator()(const Publish&) const { return PacketType::publish; }
    PacketType operator()(const PubAck& a) const { return a.type; }
    PacketType operator()(const Subscribe&) const { return PacketType::subscribe; }
    PacketType operator()(const SubAck& a) const { return a.type; }
    PacketType operator()(const Unsubscribe&) const { return PacketType::unsubscribe; }
    PacketType operator()(const Ping& p) const { return p.type; }
    PacketType operator()(const Disconnect&) const { return PacketType::disconnect; }
  };
  return std::visit(V{}, p);
}

}  // namespace exproto::host::mqtt
