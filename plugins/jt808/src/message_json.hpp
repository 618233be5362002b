// EMQX's MQTT payloads: the upstream envelope {"header": {...}, "body": {...}} and the downstream
// command {"header": {"msg_id", "msg_sn"?}, "body": {...}}.
#pragma once

#include "body.hpp"
#include "header.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jt808 {

/// The upstream header object: msg_id, encrypt, len, phone (string), msg_sn; proto_ver for 2019
/// frames; frag_total/frag_sn for a package published on its own.
Json header_json(const Header& h);

/// Serialises a payload. Invalid UTF-8 in strings (raw STRING fields) is repaired exactly as EMQX's
/// JSON encoder (jiffy, force_utf8) repairs it; see utf8_repair.hpp.
std::string dump_json(const Json& j);

/// The upstream payload of one message.
std::string uplink_payload(const Header& h, const Json& body);

struct DownlinkCommand {
  std::uint16_t msg_id = 0;
  std::optional<std::uint16_t> msg_sn;  // a custom serial number from the payload
  Json body = Json::object();           // empty when the payload had none
};

/// Parses a downstream payload; throws BodyError (not JSON, no header, bad msg_id or msg_sn).
DownlinkCommand parse_downlink(std::string_view payload);

}  // namespace jt808
