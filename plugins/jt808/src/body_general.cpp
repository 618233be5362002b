// General responses, empty bodies, server time and package re-send requests.
#include "body.hpp"

namespace jt808 {
namespace {

Json empty_decode(Reader&, const BodyContext&) { return Json::object(); }
void empty_encode(const Json&, Writer&, const BodyContext&) {}

// 0x0002 heartbeat: empty. EMQX's parser has no layout for a heartbeat that carries bytes, so it
// renders them as its unknown-id body and its channel still answers by message id; a terminal
// whose heartbeat has a stray byte must get its 0x8001 here too, not silence.
Json heartbeat_decode(Reader& r, const BodyContext&) {
  if (r.done()) return Json::object();
  return Json{{"unknown_id", true}, {"data", base64_encode(r.rest())}};
}
void heartbeat_encode(const Json& b, Writer& w, const BodyContext&) {
  if (b.contains("data")) w.raw(get_base64(b, "data"));  // only tests and simulators send these
}

// 0x0001 terminal / 0x8001 platform general response: exactly 5 bytes.
Json general_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  o["id"] = r.u16();
  o["result"] = r.u8();
  return o;
}
void general_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  w.u16(get_uint(b, "id", 0xffff));
  w.u8(get_uint(b, "result", 0xff));
}

// 0x8004 server time (2019): BCD[6] UTC.
Json time_decode(Reader& r, const BodyContext&) { return Json{{"time", r.bcd(6)}}; }
void time_encode(const Json& b, Writer& w, const BodyContext&) { w.bcd(get_bcd(b, "time", 12), 6); }

// 0x8003 re-send request: first package's msg_sn, count (BYTE in 2013, WORD in 2019), WORD ids.
// The count is computed from `ids` (EMQX copies a JSON `length`); it is reported as `length`.
Json resend_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["seq"] = r.u16();
  const unsigned n = ctx.version == Version::v2019 ? r.u16() : r.u8();
  Json ids = Json::array();
  for (unsigned i = 0; i < n; ++i) ids.push_back(r.u16());
  o["length"] = n;
  o["ids"] = std::move(ids);
  return o;
}
void resend_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u16(get_uint(b, "seq", 0xffff));
  const auto& ids = get_array(b, "ids");
  const std::size_t max = ctx.version == Version::v2019 ? 0xffff : 0xff;
  if (ids.size() > max) throw BodyError("too many \"ids\"");
  if (ctx.version == Version::v2019) {
    w.u16(ids.size());
  } else {
    w.u8(ids.size());
  }
  for (const auto& id : ids) w.u16(get_uint(Json{{"id", id}}, "id", 0xffff));
}

// 0x0005 (2019) the terminal asks for packages of one of our downlinks again: first package's
// msg_sn WORD, count WORD, WORD package numbers. EMQX's parser names the count `count` here,
// although its 0x8003 serialiser reads `length`; consumers of EMQX's JSON expect each as is.
Json terminal_resend_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  const unsigned n = r.u16();
  Json ids = Json::array();
  for (unsigned i = 0; i < n; ++i) ids.push_back(r.u16());
  o["count"] = n;
  o["ids"] = std::move(ids);
  return o;
}
void terminal_resend_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  const auto& ids = get_array(b, "ids");
  if (ids.size() > 0xffff) throw BodyError("too many \"ids\"");
  w.u16(ids.size());
  for (const auto& id : ids) w.u16(get_uint(Json{{"id", id}}, "id", 0xffff));
}

// 0x8800 multimedia upload answer: media id, count BYTE, WORD package ids to re-send.
Json media_ack_decode(Reader& r, const BodyContext&) {
  Json o;
  o["mm_id"] = r.u32();
  Json ids = Json::array();
  if (!r.done()) {  // the standard allows ending after the id when nothing is missing
    const auto n = r.u8();
    for (unsigned i = 0; i < n; ++i) ids.push_back(r.u16());
  }
  o["length"] = ids.size();
  o["retx_ids"] = std::move(ids);
  return o;
}
void media_ack_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u32(get_uint(b, "mm_id", 0xffffffff));
  const auto& ids = b.contains("retx_ids") ? get_array(b, "retx_ids") : Json::array();
  if (ids.size() > 0xff) throw BodyError("too many \"retx_ids\"");
  w.u8(ids.size());
  for (const auto& id : ids) w.u16(get_uint(Json{{"id", id}}, "id", 0xffff));
}

constexpr BodyCodec kCodecs[] = {
    {0x0001, general_decode, general_encode},  {0x8001, general_decode, general_encode},
    {0x0002, heartbeat_decode, heartbeat_encode}, {0x0003, empty_decode, empty_encode},
    {0x0004, empty_decode, empty_encode},      {0x8004, time_decode, time_encode},
    {0x8003, resend_decode, resend_encode},    {0x8800, media_ack_decode, media_ack_encode},
    {0x0005, terminal_resend_decode, terminal_resend_encode},
    {0x8104, empty_decode, empty_encode},      {0x8107, empty_decode, empty_encode},
    {0x8201, empty_decode, empty_encode},      {0x8702, empty_decode, empty_encode},
    {0x8204, empty_decode, empty_encode},
};

}  // namespace

std::span<const BodyCodec> general_bodies() { return kCodecs; }

}  // namespace jt808
