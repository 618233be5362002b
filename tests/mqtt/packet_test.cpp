// MQTT wire code: every packet round-trips in both versions, the incremental decoder copes with
// any split of the byte stream, and malformed input is refused with the precise error.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "host/mqtt/packet_decode.h"
#include "host/mqtt/packet_decoder.h"
#include "host/mqtt/packet_encode.h"
#include "host/mqtt/reason_codes.h"

using namespace exproto::host::mqtt;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string encoded(ProtocolVersion v, const Packet& p) {
  auto e = encode_packet(v, p);
  REQUIRE_MESSAGE(e.has_value(), (e ? "" : e.error()));
  return *e;
}

// Decodes exactly one packet from `wire`, all bytes at once.
std::expected<Packet, DecodeError> decode_one(ProtocolVersion v, std::string_view wire, uint32_t max = 1 << 20) {
  PacketDecoder d(v, max);
  auto r = d.next(wire);
  if (!r) return std::unexpected(r.error());
  REQUIRE(r->has_value());
  CHECK(wire.empty());
  CHECK(d.idle());
  return std::move(**r);
}

std::vector<Packet> samples(ProtocolVersion v) {
  const bool v5 = v == ProtocolVersion::v5;
  std::vector<Packet> out;
  Connect c{.clientid = "dev-1", .username = "user", .password = std::string("p\0w", 3), .keepalive_s = 60};
  if (v5) { c.properties.receive_maximum = 32; c.properties.maximum_packet_size = 1 << 20; }
  out.push_back(c);
  out.push_back(Connect{.clientid = "", .keepalive_s = 0, .clean_start = false});
  Connack ca{.session_present = true, .code = 0};
  if (v5) {
    ca.properties.receive_maximum = 10;
    ca.properties.assigned_client_identifier = "auto-1";
    ca.properties.server_keep_alive = 30;
    ca.properties.reason_string = "fine";
    ca.properties.user_properties = {{"k", "v"}, {"k", "w"}};
    ca.properties.maximum_qos = 1;
  }
  out.push_back(ca);
  out.push_back(Connack{.code = static_cast<uint8_t>(v5 ? 0x87 : 5)});
  for (uint8_t qos = 0; qos <= 2; ++qos) {
    Publish p{.topic = "a/b", .payload = std::string("x\0y", 3), .qos = qos, .retain = qos == 1, .dup = qos == 2,
              .packet_id = static_cast<uint16_t>(qos ? 7 + qos : 0)};
    if (v5 && qos == 1) { p.properties.message_expiry_interval = 5; p.properties.subscription_identifiers = {1, 300}; }
    out.push_back(p);
  }
  out.push_back(Publish{.topic = "empty/payload"});
  for (auto t : {PacketType::puback, PacketType::pubrec, PacketType::pubrel, PacketType::pubcomp}) {
    out.push_back(PubAck{.type = t, .packet_id = 65535});
    if (v5) {
      out.push_back(PubAck{.type = t, .packet_id = 1, .reason = 0x10});
      PubAck a{.type = t, .packet_id = 2, .reason = 0x87};
      a.properties.reason_string = "denied";
      out.push_back(a);
    }
  }
  Subscribe s{.packet_id = 3, .filters = {{"a/+", 1}, {"b/#", static_cast<uint8_t>(v5 ? 0x2E : 2)}}};
  if (v5) s.properties.subscription_identifiers = {9};
  out.push_back(s);
  out.push_back(SubAck{.type = PacketType::suback, .packet_id = 3, .codes = {0, 1, 2, 0x80}});
  out.push_back(Unsubscribe{.packet_id = 4, .filters = {"a/+", "c"}});
  out.push_back(SubAck{.type = PacketType::unsuback, .packet_id = 4,
                       .codes = v5 ? std::vector<uint8_t>{0x00, 0x11} : std::vector<uint8_t>{}});
  out.push_back(Ping{PacketType::pingreq});
  out.push_back(Ping{PacketType::pingresp});
  out.push_back(Disconnect{});
  if (v5) {
    Disconnect d{.reason = 0x8E};
    d.properties.reason_string = "taken over";
    d.properties.server_reference = "other:1883";
    out.push_back(d);
    out.push_back(Disconnect{.reason = 0x04});
  }
  return out;
}

}  // namespace

TEST_CASE("mqtt wire: every packet round-trips in MQTT 5 and 3.1.1") {
  for (auto v : {ProtocolVersion::v5, ProtocolVersion::v3_1_1}) {
    for (const auto& p : samples(v)) {
      CAPTURE(static_cast<int>(v));
      CAPTURE(packet_type_name(packet_type(p)));
      const auto wire = encoded(v, p);
      auto back = decode_one(v, wire);
      REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error().detail));
      CHECK(*back == p);
    }
  }
}

TEST_CASE("mqtt wire: known encodings from the specs") {
  CHECK(encoded(ProtocolVersion::v5, Ping{PacketType::pingreq}) == bytes({0xC0, 0x00}));
  CHECK(encoded(ProtocolVersion::v5, Disconnect{}) == bytes({0xE0, 0x00}));
  CHECK(encoded(ProtocolVersion::v5, Disconnect{.reason = 0x04}) == bytes({0xE0, 0x01, 0x04}));
  CHECK(encoded(ProtocolVersion::v3_1_1, Disconnect{.reason = 0x04}) == bytes({0xE0, 0x00}));
  CHECK(encoded(ProtocolVersion::v5, PubAck{.type = PacketType::pubrel, .packet_id = 0x0102}) == bytes({0x62, 0x02, 0x01, 0x02}));
  // MQTT 3.1.1 CONNECT: "MQTT", level 4, clean session, keepalive 10, clientid "a".
  CHECK(encoded(ProtocolVersion::v3_1_1, Connect{.clientid = "a", .keepalive_s = 10}) ==
        bytes({0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 10, 0, 1, 'a'}));
  // MQTT 5 CONNECT carries a property length (0 here) after the keep alive.
  CHECK(encoded(ProtocolVersion::v5, Connect{.clientid = "a", .keepalive_s = 10}) ==
        bytes({0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 10, 0, 0, 1, 'a'}));
  // Remaining Length 321 = 0xC1 0x02 (MQTT 5 §1.5.5 example style).
  Publish big{.topic = "t", .payload = std::string(318, 'x')};
  const auto wire = encoded(ProtocolVersion::v3_1_1, big);
  CHECK(wire.substr(0, 3) == bytes({0x30, 0xC1, 0x02}));
  CHECK(wire.size() == 3 + 321);
}

TEST_CASE("mqtt wire: short forms of acknowledgements and DISCONNECT decode as MQTT 5 allows") {
  auto a = decode_one(ProtocolVersion::v5, bytes({0x40, 0x02, 0x00, 0x05}));
  REQUIRE(a);
  CHECK(std::get<PubAck>(*a).reason == 0);
  a = decode_one(ProtocolVersion::v5, bytes({0x40, 0x03, 0x00, 0x05, 0x10}));
  REQUIRE(a);
  CHECK(std::get<PubAck>(*a).reason == 0x10);
  a = decode_one(ProtocolVersion::v5, bytes({0x40, 0x04, 0x00, 0x05, 0x87, 0x00}));
  REQUIRE(a);
  CHECK(std::get<PubAck>(*a).reason == 0x87);
  a = decode_one(ProtocolVersion::v5, bytes({0xE0, 0x01, 0x8E}));
  REQUIRE(a);
  CHECK(std::get<Disconnect>(*a).reason == 0x8E);
  // 3.1.1's UNSUBACK carries only the packet id.
  a = decode_one(ProtocolVersion::v3_1_1, bytes({0xB0, 0x02, 0x00, 0x09}));
  REQUIRE(a);
  CHECK(std::get<SubAck>(*a).codes.empty());
}

TEST_CASE("mqtt wire: the decoder takes the stream in any split, several packets per read") {
  std::string stream;
  std::vector<Packet> sent;
  for (const auto& p : samples(ProtocolVersion::v5)) {
    stream += encoded(ProtocolVersion::v5, p);
    sent.push_back(p);
  }
  // A large packet whose Remaining Length takes three bytes, so splits land inside the length.
  Publish big{.topic = "big", .payload = std::string(20000, 'z'), .qos = 1, .packet_id = 77};
  stream += encoded(ProtocolVersion::v5, big);
  sent.push_back(big);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, std::size_t{64}, std::size_t{4096}, stream.size()}) {
    CAPTURE(chunk);
    PacketDecoder d(ProtocolVersion::v5, 1 << 20);
    std::vector<Packet> got;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      std::string_view in = std::string_view(stream).substr(at, chunk);
      while (true) {
        auto r = d.next(in);
        REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().detail));
        if (!*r) break;
        got.push_back(std::move(**r));
      }
      CHECK(in.empty());
    }
    CHECK(d.idle());
    REQUIRE(got.size() == sent.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == sent[i]);
  }
}

TEST_CASE("mqtt wire: malformed input is refused with the precise error") {
  struct Case {
    const char* name;
    ProtocolVersion v;
    std::string wire;
    DecodeErrorKind kind;
    const char* detail_part;
  };
  const auto v5 = ProtocolVersion::v5;
  const auto v3 = ProtocolVersion::v3_1_1;
  const std::vector<Case> cases = {
      {"five-byte remaining length", v5, bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), DecodeErrorKind::malformed_varint, "Remaining Length"},
      {"five-byte property length", v5, bytes({0x20, 0x07, 0x00, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01}), DecodeErrorKind::malformed_varint, "property length"},
      {"property length past the packet", v5, bytes({0x20, 0x03, 0x00, 0x00, 0x05}), DecodeErrorKind::truncated, "property length"},
      {"property value cut off", v5, bytes({0x20, 0x05, 0x00, 0x00, 0x02, 0x21, 0x00}), DecodeErrorKind::truncated, "receive maximum"},
      {"unknown property", v5, bytes({0x20, 0x05, 0x00, 0x00, 0x02, 0x7F, 0x00}), DecodeErrorKind::bad_property, "0x7f"},
      {"receive maximum 0", v5, bytes({0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00}), DecodeErrorKind::bad_property, "receive maximum"},
      {"property twice", v5, bytes({0x20, 0x09, 0x00, 0x00, 0x06, 0x13, 0x00, 0x01, 0x13, 0x00, 0x02}), DecodeErrorKind::bad_property, "twice"},
      {"string length past the packet", v5, bytes({0x30, 0x04, 0x00, 0x09, 'a', 'b'}), DecodeErrorKind::bad_utf8, "topic name"},
      {"string not UTF-8", v3, bytes({0x30, 0x04, 0x00, 0x02, 0xC0, 0x80}), DecodeErrorKind::bad_utf8, "UTF-8"},
      {"string with U+0000", v3, bytes({0x30, 0x03, 0x00, 0x01, 0x00}), DecodeErrorKind::bad_utf8, "UTF-8"},
      {"surrogate in string", v3, bytes({0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80}), DecodeErrorKind::bad_utf8, "UTF-8"},
      {"publish QoS 3", v3, bytes({0x36, 0x03, 0x00, 0x01, 'a'}), DecodeErrorKind::bad_packet, "QoS 3"},
      {"wildcard topic", v3, bytes({0x30, 0x03, 0x00, 0x01, '#'}), DecodeErrorKind::bad_packet, "wildcard"},
      {"packet id 0", v3, bytes({0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00}), DecodeErrorKind::bad_packet, "packet identifier"},
      {"packet id cut off", v3, bytes({0x32, 0x04, 0x00, 0x01, 'a', 0x00}), DecodeErrorKind::truncated, "packet identifier"},
      {"reserved flags", v5, bytes({0x41, 0x02, 0x00, 0x01}), DecodeErrorKind::bad_packet, "reserved flag"},
      {"pubrel without its flags", v5, bytes({0x60, 0x02, 0x00, 0x01}), DecodeErrorKind::bad_packet, "reserved flag"},
      {"trailing bytes", v3, bytes({0xD0, 0x01, 0x00}), DecodeErrorKind::bad_packet, "after the packet"},
      {"suback without codes", v5, bytes({0x90, 0x03, 0x00, 0x01, 0x00}), DecodeErrorKind::bad_packet, "no reason code"},
      {"auth is not supported", v5, bytes({0xF0, 0x00}), DecodeErrorKind::bad_packet, "not supported"},
      {"reserved packet type 0", v5, bytes({0x00, 0x00}), DecodeErrorKind::bad_packet, "not supported"},
      {"connack flags", v3, bytes({0x20, 0x02, 0x02, 0x00}), DecodeErrorKind::bad_packet, "acknowledge flags"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    PacketDecoder d(c.v, 1 << 20);
    std::string_view in = c.wire;
    auto r = d.next(in);
    REQUIRE_FALSE(r.has_value());
    CHECK(decode_error_kind_name(r.error().kind) == std::string(decode_error_kind_name(c.kind)));
    CHECK_MESSAGE(r.error().detail.find(c.detail_part) != std::string::npos, r.error().detail);
  }
}

TEST_CASE("mqtt wire: an oversize packet is refused from its header, before its body arrives") {
  PacketDecoder d(ProtocolVersion::v5, 100);
  std::string_view in = "\x30\xE8\x07";  // Remaining Length 1000, nothing of the body yet
  auto r = d.next(in);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == DecodeErrorKind::oversize);
  CHECK(r.error().detail.find("1003") != std::string::npos);
  // Exactly at the limit is fine: 2 bytes of header + 98.
  PacketDecoder ok(ProtocolVersion::v3_1_1, 100);
  const auto wire = encoded(ProtocolVersion::v3_1_1, Publish{.topic = "t", .payload = std::string(95, 'p')});
  REQUIRE(wire.size() == 100);
  std::string_view w = wire;
  auto p = ok.next(w);
  REQUIRE(p.has_value());
  CHECK(p->has_value());
}

TEST_CASE("mqtt wire: the encoder refuses what it cannot say") {
  CHECK_FALSE(encode_packet(ProtocolVersion::v5, Publish{.topic = std::string(70000, 'a')}).has_value());
  CHECK_FALSE(encode_packet(ProtocolVersion::v3_1_1, Connect{.clientid = "a", .password = "p"}).has_value());
  CHECK(encode_packet(ProtocolVersion::v5, Connect{.clientid = "a", .password = "p"}).has_value());
  CHECK_FALSE(encode_packet(ProtocolVersion::v5, Subscribe{.packet_id = 1}).has_value());
  CHECK_FALSE(encode_packet(ProtocolVersion::v5, Publish{.topic = "t", .qos = 3}).has_value());
}

TEST_CASE("mqtt wire: reason names") {
  CHECK(reason_code_name(0x8E) == "session_taken_over");
  CHECK(reason_code_name(0x00) == "normal_disconnection");
  CHECK(reason_code_name(0x00, PacketType::connack) == "success");
  CHECK(reason_code_name(0x87) == "not_authorized");
  CHECK(reason_code_name(0x8B) == "server_shutting_down");
  CHECK(reason_code_name(0xFE) == "reason_0xfe");
  CHECK(connack_return_code_name(5) == "not_authorized");
  CHECK(v5_reason_for_v311_connack(4) == 0x86);
}
