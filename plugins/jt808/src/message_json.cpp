#include "message_json.hpp"

#include "utf8_repair.hpp"

namespace jt808 {
namespace {

bool all_utf8(const Json& j) {
  if (j.is_string()) return is_utf8(j.get_ref<const std::string&>());
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) {
      if (!is_utf8(key) || !all_utf8(value)) return false;
    }
  } else if (j.is_array()) {
    for (const auto& value : j) {
      if (!all_utf8(value)) return false;
    }
  }
  return true;
}

Json repaired(const Json& j) {
  if (j.is_string()) return repair_utf8(j.get_ref<const std::string&>());
  if (j.is_object()) {
    Json out = Json::object();
    for (const auto& [key, value] : j.items()) out[repair_utf8(key)] = repaired(value);
    return out;
  }
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& value : j) out.push_back(repaired(value));
    return out;
  }
  return j;
}

}  // namespace

Json header_json(const Header& h) {
  Json o;
  o["msg_id"] = h.msg_id;
  o["encrypt"] = h.encrypt;
  o["len"] = h.body_len;
  o["phone"] = h.phone;
  o["msg_sn"] = h.msg_sn;
  if (h.version == Version::v2019) o["proto_ver"] = h.proto_ver;
  if (h.subpackage) {
    o["frag_total"] = h.frag_total;
    o["frag_sn"] = h.frag_sn;
  }
  return o;
}

std::string dump_json(const Json& j) {
  // As EMQX's encoder: untouched when all of it is UTF-8, otherwise every string is repaired (not
  // only the bad ones; see utf8_repair.hpp). `replace` stays as a last guard: dumping never throws.
  constexpr auto kGuard = Json::error_handler_t::replace;
  return all_utf8(j) ? j.dump(-1, ' ', false, kGuard) : repaired(j).dump(-1, ' ', false, kGuard);
}

std::string uplink_payload(const Header& h, const Json& body) {
  return dump_json(Json{{"header", header_json(h)}, {"body", body}});
}

DownlinkCommand parse_downlink(std::string_view payload) {
  const auto doc = Json::parse(payload.begin(), payload.end(), nullptr, false);
  if (doc.is_discarded()) throw BodyError("payload is not JSON");
  if (!doc.is_object()) throw BodyError("payload must be a JSON object");
  DownlinkCommand cmd;
  const auto& header = get_object(doc, "header");
  cmd.msg_id = static_cast<std::uint16_t>(get_uint(header, "msg_id", 0xffff));
  if (header.contains("msg_sn")) cmd.msg_sn = static_cast<std::uint16_t>(get_uint(header, "msg_sn", 0xffff));
  if (doc.contains("body")) cmd.body = get_object(doc, "body");
  return cmd;
}

}  // namespace jt808
