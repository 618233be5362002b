// Location messages: report 0x0200, query answer 0x0201, batch 0x0704, vehicle control answer
// 0x0500, and the platform's tracking 0x8202 and alarm confirmation 0x8203.
#include "location.hpp"

namespace jt808 {
namespace {

Json report_decode(Reader& r, const BodyContext& ctx) { return decode_location(r, ctx); }
void report_encode(const Json& b, Writer& w, const BodyContext& ctx) { encode_location(b, w, ctx); }

// 0x0201: reply serial + location under `params`; 0x0500: reply serial + location under `location`.
template <const char* Key>
Json answer_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["seq"] = r.u16();
  o[Key] = decode_location(r, ctx);
  return o;
}
template <const char* Key>
void answer_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u16(get_uint(b, "seq", 0xffff));
  encode_location(get_object(b, Key), w, ctx);
}
constexpr char kParams[] = "params";
constexpr char kLocation[] = "location";

// 0x0704: count WORD, type BYTE, then each item as length WORD + location body.
Json batch_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  const auto n = r.u16();
  o["length"] = n;
  o["type"] = r.u8();
  Json items = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Reader item(r.take(r.u16()));
    items.push_back(decode_location(item, ctx));
  }
  o["location"] = std::move(items);
  return o;
}
void batch_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  const auto& items = get_array(b, "location");
  if (items.size() > 0xffff) throw BodyError("too many locations");
  w.u16(items.size());
  w.u8(get_uint(b, "type", 0xff));
  for (const auto& item : items) {
    Writer one;
    encode_location(item, one, ctx);
    w.u16(one.size());
    w.raw(one.bytes());
  }
}

Json tracking_decode(Reader& r, const BodyContext&) {
  Json o;
  o["period"] = r.u16();
  o["expiry"] = r.u32();
  return o;
}
void tracking_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "period", 0xffff));
  w.u32(get_uint(b, "expiry", 0xffffffff));
}

Json alarm_confirm_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  o["type"] = r.u32();
  return o;
}
void alarm_confirm_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  w.u32(get_uint(b, "type", 0xffffffff));
}

constexpr BodyCodec kCodecs[] = {
    {0x0200, report_decode, report_encode},
    {0x0201, answer_decode<kParams>, answer_encode<kParams>},
    {0x0500, answer_decode<kLocation>, answer_encode<kLocation>},
    {0x0704, batch_decode, batch_encode},
    {0x8202, tracking_decode, tracking_encode},
    {0x8203, alarm_confirm_decode, alarm_confirm_encode},
};

}  // namespace

std::span<const BodyCodec> location_bodies() { return kCodecs; }

}  // namespace jt808
