#include "message_json.hpp"

namespace jt808 {

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

std::string dump_json(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

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
