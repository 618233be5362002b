#include "host/mqtt/packet_decode.h"

#include <string>

#include "host/mqtt/wire_reader.h"

namespace exproto::host::mqtt {
namespace {

using Result = std::expected<Packet, DecodeError>;

Result failed(DecodeErrorKind kind, std::string detail) { return std::unexpected(DecodeError{kind, std::move(detail)}); }

// Every packet ends exactly where its Remaining Length says (payload-less packets included).
Result finish(WireReader& r, Packet p) {
  if (r.ok() && r.left() > 0) r.fail(DecodeErrorKind::bad_packet, std::to_string(r.left()) + " bytes after the packet's last field");
  if (!r.ok()) return std::unexpected(*r.error());
  return p;
}

uint16_t packet_id(WireReader& r) {
  const uint16_t id = r.u16("packet identifier");
  if (r.ok() && id == 0) r.fail(DecodeErrorKind::bad_packet, "packet identifier: 0 is not allowed");
  return id;
}

Result connect(ProtocolVersion v, WireReader& r) {
  Connect c;
  if (r.utf8("protocol name") != "MQTT" && r.ok()) r.fail(DecodeErrorKind::bad_packet, "protocol name: not \"MQTT\"");
  const uint8_t level = r.u8("protocol level");
  if (r.ok() && level != static_cast<uint8_t>(v)) {
    r.fail(DecodeErrorKind::bad_packet, "protocol level: " + std::to_string(level) + ", expected " + std::to_string(static_cast<int>(v)));
  }
  const uint8_t flags = r.u8("connect flags");
  if (r.ok() && (flags & 0x01)) r.fail(DecodeErrorKind::bad_packet, "connect flags: reserved bit set");
  if (r.ok() && (flags & 0x3C)) r.fail(DecodeErrorKind::bad_packet, "connect flags: will messages are not supported");
  if (r.ok() && v != ProtocolVersion::v5 && (flags & 0x40) && !(flags & 0x80)) {
    r.fail(DecodeErrorKind::bad_packet, "connect flags: password without user name");
  }
  c.clean_start = (flags & 0x02) != 0;
  c.keepalive_s = r.u16("keep alive");
  if (v == ProtocolVersion::v5) c.properties = read_properties(r);
  c.clientid = r.utf8("client identifier");
  if (flags & 0x80) c.username = r.utf8("user name");
  if (flags & 0x40) c.password = r.binary("password");
  return finish(r, std::move(c));
}

Result connack(ProtocolVersion v, WireReader& r) {
  Connack c;
  const uint8_t flags = r.u8("acknowledge flags");
  if (r.ok() && (flags & 0xFE)) r.fail(DecodeErrorKind::bad_packet, "acknowledge flags: reserved bits set");
  c.session_present = (flags & 1) != 0;
  c.code = r.u8(v == ProtocolVersion::v5 ? "reason code" : "return code");
  if (v == ProtocolVersion::v5) c.properties = read_properties(r);
  return finish(r, std::move(c));
}

Result publish(ProtocolVersion v, uint8_t flags, WireReader& r) {
  Publish p;
  p.qos = (flags >> 1) & 0x03;
  p.dup = (flags & 0x08) != 0;
  p.retain = (flags & 0x01) != 0;
  if (p.qos == 3) return failed(DecodeErrorKind::bad_packet, "PUBLISH: QoS 3");
  if (p.qos == 0 && p.dup) return failed(DecodeErrorKind::bad_packet, "PUBLISH: DUP set on a QoS 0 message");
  p.topic = r.utf8("topic name");
  if (r.ok() && p.topic.find_first_of("+#") != std::string::npos) {
    r.fail(DecodeErrorKind::bad_packet, "topic name: wildcard in a PUBLISH topic");
  }
  if (p.qos > 0) p.packet_id = packet_id(r);
  if (v == ProtocolVersion::v5) p.properties = read_properties(r);
  if (r.ok() && p.topic.empty() && !p.properties.topic_alias) r.fail(DecodeErrorKind::bad_packet, "topic name: empty");
  p.payload = std::string(r.take_rest());
  return finish(r, std::move(p));
}

Result pub_ack(ProtocolVersion v, PacketType type, WireReader& r) {
  PubAck a;
  a.type = type;
  a.packet_id = packet_id(r);
  // MQTT 5 §3.4.2.1: a Remaining Length of 2 means reason 0; below 4, no property length.
  if (v == ProtocolVersion::v5 && r.left() > 0) {
    a.reason = r.u8("reason code");
    if (r.left() > 0) a.properties = read_properties(r);
  }
  return finish(r, std::move(a));
}

Result subscribe(ProtocolVersion v, WireReader& r) {
  Subscribe s;
  s.packet_id = packet_id(r);
  if (v == ProtocolVersion::v5) s.properties = read_properties(r);
  if (r.ok() && r.left() == 0) r.fail(DecodeErrorKind::bad_packet, "payload: no topic filter");
  while (r.ok() && r.left() > 0) {
    Subscribe::Filter f;
    f.filter = r.utf8("topic filter");
    f.options = r.u8("subscription options");
    const uint8_t reserved = v == ProtocolVersion::v5 ? 0xC0 : 0xFC;
    if (r.ok() && ((f.options & reserved) || (f.options & 0x03) == 3 || ((f.options >> 4) & 0x03) == 3)) {
      r.fail(DecodeErrorKind::bad_packet, "subscription options: reserved bits or values set");
    }
    s.filters.push_back(std::move(f));
  }
  return finish(r, std::move(s));
}

Result sub_ack(ProtocolVersion v, PacketType type, WireReader& r) {
  SubAck a;
  a.type = type;
  a.packet_id = packet_id(r);
  if (v == ProtocolVersion::v5) a.properties = read_properties(r);
  if (type == PacketType::suback || v == ProtocolVersion::v5) {
    if (r.ok() && r.left() == 0) r.fail(DecodeErrorKind::bad_packet, "payload: no reason code");
    const auto codes = r.take_rest();
    a.codes.assign(codes.begin(), codes.end());
  }
  return finish(r, std::move(a));
}

Result unsubscribe(ProtocolVersion v, WireReader& r) {
  Unsubscribe u;
  u.packet_id = packet_id(r);
  if (v == ProtocolVersion::v5) u.properties = read_properties(r);
  if (r.ok() && r.left() == 0) r.fail(DecodeErrorKind::bad_packet, "payload: no topic filter");
  while (r.ok() && r.left() > 0) u.filters.push_back(r.utf8("topic filter"));
  return finish(r, std::move(u));
}

Result disconnect(ProtocolVersion v, WireReader& r) {
  Disconnect d;
  if (v == ProtocolVersion::v5 && r.left() > 0) {
    d.reason = r.u8("reason code");
    if (r.left() > 0) d.properties = read_properties(r);
  }
  return finish(r, std::move(d));
}

}  // namespace

Result decode_packet(ProtocolVersion v, uint8_t first_byte, std::string_view body) {
  const auto type = static_cast<PacketType>(first_byte >> 4);
  const uint8_t flags = first_byte & 0x0F;
  WireReader r(body, packet_type_name(type));
  if (type != PacketType::publish) {
    // MQTT 5 §2.1.3: fixed flags; PUBREL, SUBSCRIBE and UNSUBSCRIBE carry 0b0010.
    const bool two = type == PacketType::pubrel || type == PacketType::subscribe || type == PacketType::unsubscribe;
    if (flags != (two ? 0x02 : 0x00)) {
      return failed(DecodeErrorKind::bad_packet, std::string(packet_type_name(type)) + ": reserved flag bits " + std::to_string(flags));
    }
  }
  switch (type) {
    case PacketType::connect: return connect(v, r);
    case PacketType::connack: return connack(v, r);
    case PacketType::publish: return publish(v, flags, r);
    case PacketType::puback:
    case PacketType::pubrec:
    case PacketType::pubrel:
    case PacketType::pubcomp: return pub_ack(v, type, r);
    case PacketType::subscribe: return subscribe(v, r);
    case PacketType::suback:
    case PacketType::unsuback: return sub_ack(v, type, r);
    case PacketType::unsubscribe: return unsubscribe(v, r);
    case PacketType::pingreq:
    case PacketType::pingresp: return finish(r, Ping{type});
    case PacketType::disconnect: return disconnect(v, r);
    default: break;
  }
  return failed(DecodeErrorKind::bad_packet, "packet type " + std::to_string(first_byte >> 4) + " is not supported");
}

}  // namespace exproto::host::mqtt
