#include "host/mqtt/properties.h"

#include <string>

namespace exproto::host::mqtt {
namespace {

// Reads one value into an optional slot, refusing a second occurrence (MQTT 5 §3.x: "It is a
// Protocol Error to include the X more than once").
template <typename T, typename Read>
void once(WireReader& r, std::optional<T>& slot, const char* name, Read read) {
  if (slot) {
    r.fail(DecodeErrorKind::bad_property, std::string("property ") + name + ": given twice");
    return;
  }
  slot = read();
}

void boolean_byte(WireReader& r, std::optional<uint8_t>& slot, const char* name) {
  once(r, slot, name, [&] { return r.u8(name); });
  if (r.ok() && *slot > 1) r.fail(DecodeErrorKind::bad_property, std::string("property ") + name + ": " +
                                  std::to_string(*slot) + " is neither 0 nor 1");
}

void nonzero_u16(WireReader& r, std::optional<uint16_t>& slot, const char* name) {
  once(r, slot, name, [&] { return r.u16(name); });
  if (r.ok() && *slot == 0) r.fail(DecodeErrorKind::bad_property, std::string("property ") + name + ": 0 is not allowed");
}

}  // namespace

Properties read_properties(WireReader& r) {
  Properties p;
  const uint32_t length = r.varint("property length");
  if (!r.ok()) return p;
  if (length > r.left()) {
    r.fail(DecodeErrorKind::truncated, "property length: " + std::to_string(length) + " bytes, " +
                                           std::to_string(r.left()) + " left in the packet");
    return p;
  }
  // A reader over the properties only, so a property cannot run into the payload unnoticed.
  WireReader pr(r.bytes(length, "properties"), r.what());
  while (pr.ok() && pr.left() > 0) {
    const uint32_t id = pr.varint("property id");
    if (!pr.ok()) break;
    switch (id) {
      case prop::payload_format_indicator: boolean_byte(pr, p.payload_format_indicator, "payload format indicator"); break;
      case prop::message_expiry_interval: once(pr, p.message_expiry_interval, "message expiry interval", [&] { return pr.u32("message expiry interval"); }); break;
      case prop::content_type: once(pr, p.content_type, "content type", [&] { return pr.utf8("content type"); }); break;
      case prop::response_topic: once(pr, p.response_topic, "response topic", [&] { return pr.utf8("response topic"); }); break;
      case prop::correlation_data: once(pr, p.correlation_data, "correlation data", [&] { return pr.binary("correlation data"); }); break;
      case prop::subscription_identifier: {
        const uint32_t v = pr.varint("subscription identifier");
        if (pr.ok() && v == 0) pr.fail(DecodeErrorKind::bad_property, "property subscription identifier: 0 is not allowed");
        if (pr.ok()) p.subscription_identifiers.push_back(v);
        break;
      }
      case prop::session_expiry_interval: once(pr, p.session_expiry_interval, "session expiry interval", [&] { return pr.u32("session expiry interval"); }); break;
      case prop::assigned_client_identifier: once(pr, p.assigned_client_identifier, "assigned client identifier", [&] { return pr.utf8("assigned client identifier"); }); break;
      case prop::server_keep_alive: once(pr, p.server_keep_alive, "server keep alive", [&] { return pr.u16("server keep alive"); }); break;
      case prop::authentication_method: once(pr, p.authentication_method, "authentication method", [&] { return pr.utf8("authentication method"); }); break;
      case prop::authentication_data: once(pr, p.authentication_data, "authentication data", [&] { return pr.binary("authentication data"); }); break;
      case prop::request_problem_information: boolean_byte(pr, p.request_problem_information, "request problem information"); break;
      case prop::will_delay_interval: once(pr, p.will_delay_interval, "will delay interval", [&] { return pr.u32("will delay interval"); }); break;
      case prop::request_response_information: boolean_byte(pr, p.request_response_information, "request response information"); break;
      case prop::response_information: once(pr, p.response_information, "response information", [&] { return pr.utf8("response information"); }); break;
      case prop::server_reference: once(pr, p.server_reference, "server reference", [&] { return pr.utf8("server reference"); }); break;
      case prop::reason_string: once(pr, p.reason_string, "reason string", [&] { return pr.utf8("reason string"); }); break;
      case prop::receive_maximum: nonzero_u16(pr, p.receive_maximum, "receive maximum"); break;
      case prop::topic_alias_maximum: once(pr, p.topic_alias_maximum, "topic alias maximum", [&] { return pr.u16("topic alias maximum"); }); break;
      case prop::topic_alias: nonzero_u16(pr, p.topic_alias, "topic alias"); break;
      case prop::maximum_qos: boolean_byte(pr, p.maximum_qos, "maximum QoS"); break;
      case prop::retain_available: boolean_byte(pr, p.retain_available, "retain available"); break;
      case prop::user_property: {
        auto key = pr.utf8("user property name");
        auto value = pr.utf8("user property value");
        if (pr.ok()) p.user_properties.emplace_back(std::move(key), std::move(value));
        break;
      }
      case prop::maximum_packet_size: {
        once(pr, p.maximum_packet_size, "maximum packet size", [&] { return pr.u32("maximum packet size"); });
        if (pr.ok() && *p.maximum_packet_size == 0) pr.fail(DecodeErrorKind::bad_property, "property maximum packet size: 0 is not allowed");
        break;
      }
      case prop::wildcard_subscription_available: boolean_byte(pr, p.wildcard_subscription_available, "wildcard subscription available"); break;
      case prop::subscription_identifier_available: boolean_byte(pr, p.subscription_identifier_available, "subscription identifier available"); break;
      case prop::shared_subscription_available: boolean_byte(pr, p.shared_subscription_available, "shared subscription available"); break;
      default:
        pr.fail(DecodeErrorKind::bad_property, "property id 0x" + [&] {
          static constexpr char hex[] = "0123456789abcdef";
          std::string s;
          for (int shift = (id > 0xFF ? 12 : 4); shift >= 0; shift -= 4) s.push_back(hex[(id >> shift) & 0xF]);
          return s;
        }() + ": unknown");
    }
  }
  if (pr.error()) r.adopt(*pr.error());
  return p;
}

void write_properties(WireWriter& out, const Properties& p) {
  std::string body;
  WireWriter w(body);
  auto u8 = [&](uint8_t id, const std::optional<uint8_t>& v) { if (v) { w.varint(id); w.u8(*v); } };
  auto u16 = [&](uint8_t id, const std::optional<uint16_t>& v) { if (v) { w.varint(id); w.u16(*v); } };
  auto u32 = [&](uint8_t id, const std::optional<uint32_t>& v) { if (v) { w.varint(id); w.u32(*v); } };
  auto str = [&](uint8_t id, const std::optional<std::string>& v, const char* name) { if (v) { w.varint(id); w.str(*v, name); } };
  u8(prop::payload_format_indicator, p.payload_format_indicator);
  u32(prop::message_expiry_interval, p.message_expiry_interval);
  str(prop::content_type, p.content_type, "content type");
  str(prop::response_topic, p.response_topic, "response topic");
  str(prop::correlation_data, p.correlation_data, "correlation data");
  for (uint32_t id : p.subscription_identifiers) { w.varint(prop::subscription_identifier); w.varint(id); }
  u32(prop::session_expiry_interval, p.session_expiry_interval);
  str(prop::assigned_client_identifier, p.assigned_client_identifier, "assigned client identifier");
  u16(prop::server_keep_alive, p.server_keep_alive);
  str(prop::authentication_method, p.authentication_method, "authentication method");
  str(prop::authentication_data, p.authentication_data, "authentication data");
  u8(prop::request_problem_information, p.request_problem_information);
  u32(prop::will_delay_interval, p.will_delay_interval);
  u8(prop::request_response_information, p.request_response_information);
  str(prop::response_information, p.response_information, "response information");
  str(prop::server_reference, p.server_reference, "server reference");
  str(prop::reason_string, p.reason_string, "reason string");
  u16(prop::receive_maximum, p.receive_maximum);
  u16(prop::topic_alias_maximum, p.topic_alias_maximum);
  u16(prop::topic_alias, p.topic_alias);
  u8(prop::maximum_qos, p.maximum_qos);
  u8(prop::retain_available, p.retain_available);
  for (const auto& [k, v] : p.user_properties) { w.varint(prop::user_property); w.str(k, "user property name"); w.str(v, "user property value"); }
  u32(prop::maximum_packet_size, p.maximum_packet_size);
  u8(prop::wildcard_subscription_available, p.wildcard_subscription_available);
  u8(prop::subscription_identifier_available, p.subscription_identifier_available);
  u8(prop::shared_subscription_available, p.shared_subscription_available);
  out.varint(static_cast<uint32_t>(body.size()));
  out.raw(body);
  if (!w.error().empty()) out.fail(w.error());
}

}  // namespace exproto::host::mqtt
