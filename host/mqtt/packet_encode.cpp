#include "host/mqtt/packet_encode.h"

#include <cstring>

#include "host/mqtt/wire_writer.h"

namespace exproto::host::mqtt {
namespace {

constexpr std::size_t kHeaderRoom = 5;  // first byte + at most 4 bytes of Remaining Length

struct Body {
  ProtocolVersion v;
  WireWriter& w;
  bool v5() const { return v == ProtocolVersion::v5; }

  uint8_t operator()(const Connect& c) {
    w.str("MQTT", "protocol name");
    w.u8(static_cast<uint8_t>(v));
    uint8_t flags = c.clean_start ? 0x02 : 0x00;
    if (c.username) flags |= 0x80;
    if (c.password) flags |= 0x40;
    if (c.password && !c.username && !v5()) w.fail("CONNECT: MQTT 3.1.1 allows a password only with a user name");
    w.u8(flags);
    w.u16(c.keepalive_s);
    if (v5()) write_properties(w, c.properties);
    w.str(c.clientid, "client identifier");
    if (c.username) w.str(*c.username, "user name");
    if (c.password) w.str(*c.password, "password");
    return 0x10;
  }
  uint8_t operator()(const Connack& c) {
    w.u8(c.session_present ? 1 : 0);
    w.u8(c.code);
    if (v5()) write_properties(w, c.properties);
    return 0x20;
  }
  uint8_t operator()(const Publish& p) {
    if (p.qos > 2) w.fail("PUBLISH: QoS " + std::to_string(p.qos));
    w.str(p.topic, "topic name");
    if (p.qos > 0) w.u16(p.packet_id);
    if (v5()) write_properties(w, p.properties);
    w.raw(p.payload);
    return static_cast<uint8_t>(0x30 | (p.dup ? 0x08 : 0) | ((p.qos & 3) << 1) | (p.retain ? 1 : 0));
  }
  uint8_t operator()(const PubAck& a) {
    w.u16(a.packet_id);
    // MQTT 5 §3.4.2.1: reason 0 without properties may be left out, and so may empty properties.
    const bool props = a.properties != Properties{};
    if (v5() && (a.reason != 0 || props)) {
      w.u8(a.reason);
      if (props) write_properties(w, a.properties);
    }
    const uint8_t type = static_cast<uint8_t>(a.type) << 4;
    return a.type == PacketType::pubrel ? (type | 0x02) : type;
  }
  uint8_t operator()(const Subscribe& s) {
    w.u16(s.packet_id);
    if (v5()) write_properties(w, s.properties);
    if (s.filters.empty()) w.fail("SUBSCRIBE: no topic filter");
    for (const auto& f : s.filters) {
      w.str(f.filter, "topic filter");
      w.u8(v5() ? f.options : (f.options & 0x03));
    }
    return 0x82;
  }
  uint8_t operator()(const SubAck& a) {
    w.u16(a.packet_id);
    if (v5()) write_properties(w, a.properties);
    if (a.type == PacketType::suback || v5()) {
      for (uint8_t c : a.codes) w.u8(c);
    }
    return static_cast<uint8_t>(a.type) << 4;
  }
  uint8_t operator()(const Unsubscribe& u) {
    w.u16(u.packet_id);
    if (v5()) write_properties(w, u.properties);
    if (u.filters.empty()) w.fail("UNSUBSCRIBE: no topic filter");
    for (const auto& f : u.filters) w.str(f, "topic filter");
    return 0xA2;
  }
  uint8_t operator()(const Ping& p) { return static_cast<uint8_t>(p.type) << 4; }
  uint8_t operator()(const Disconnect& d) {
    const bool props = d.properties != Properties{};
    if (v5() && (d.reason != 0 || props)) {
      w.u8(d.reason);
      if (props) write_properties(w, d.properties);
    }
    return 0xE0;
  }
};

}  // namespace

std::expected<std::string, std::string> encode_packet(ProtocolVersion v, const Packet& p) {
  // The body is written after room for the fixed header, which is filled in once the length is
  // known and the unused room is cut off: one buffer, no second copy of a large payload.
  std::string out(kHeaderRoom, '\0');
  WireWriter w(out);
  const uint8_t first = std::visit(Body{v, w}, p);
  if (!w.error().empty()) return std::unexpected(w.error());
  const std::size_t body = out.size() - kHeaderRoom;
  if (body > kMaxRemainingLength) {
    return std::unexpected("packet of " + std::to_string(body) + " bytes exceeds MQTT's largest (268435455)");
  }
  const auto length = static_cast<uint32_t>(body);
  std::string header;
  WireWriter hw(header);
  hw.u8(first);
  hw.varint(length);
  const std::size_t start = kHeaderRoom - header.size();
  std::memcpy(out.data() + start, header.data(), header.size());
  out.erase(0, start);
  return out;
}

}  // namespace exproto::host::mqtt
