// Text, transparent and other data-carrying messages: text 0x8300, transparent 0x0900/0x8900,
// compressed 0x0901, waybill 0x0701, event/question/info answers 0x0301/0x0302/0x0303, upgrade
// result 0x0108, multimedia event 0x0800 and multimedia data 0x0801.
#include "location.hpp"

namespace jt808 {
namespace {

// 0x8300: 2013 flag + text; 2019 flag + text type (default 1, as EMQX) + text.
Json text_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["flag"] = r.u8();
  if (ctx.version == Version::v2019) o["text_type"] = r.u8();
  o["text"] = text_up(r.rest(), ctx);
  return o;
}
void text_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "flag", 0xff));
  if (ctx.version == Version::v2019) w.u8(get_uint_or(b, "text_type", 0xff, 1));
  w.raw(get_text(b, "text", ctx));
}

// 0x0900 / 0x8900: type BYTE + data (base64 in JSON).
Json transparent_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  o["data"] = base64_encode(r.rest());
  return o;
}
void transparent_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  w.raw(get_base64(b, "data"));
}

// 0x0901 / 0x0701: length DWORD + data (base64). The length is reported as sent.
Json sized_decode(Reader& r, const BodyContext&) {
  Json o;
  o["length"] = r.u32();
  o["data"] = base64_encode(r.rest());
  return o;
}
void sized_encode(const Json& b, Writer& w, const BodyContext&) {
  const auto data = get_base64(b, "data");
  w.u32(get_uint_or(b, "length", 0xffffffff, data.size()));
  w.raw(data);
}

Json event_decode(Reader& r, const BodyContext&) { return Json{{"id", r.u8()}}; }
void event_encode(const Json& b, Writer& w, const BodyContext&) { w.u8(get_uint(b, "id", 0xff)); }

Json question_answer_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  o["id"] = r.u8();
  return o;
}
void question_answer_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  w.u8(get_uint(b, "id", 0xff));
}

Json info_decode(Reader& r, const BodyContext&) {
  Json o;
  o["id"] = r.u8();
  o["flag"] = r.u8();
  return o;
}
void info_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "id", 0xff));
  w.u8(get_uint(b, "flag", 0xff));
}

Json upgrade_result_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  o["result"] = r.u8();
  return o;
}
void upgrade_result_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  w.u8(get_uint(b, "result", 0xff));
}

// 0x0800 / the first 8 bytes of 0x0801.
void media_head_decode(Reader& r, Json& o) {
  o["id"] = r.u32();
  o["type"] = r.u8();
  o["format"] = r.u8();
  o["event"] = r.u8();
  o["channel"] = r.u8();
}
void media_head_encode(const Json& b, Writer& w) {
  w.u32(get_uint(b, "id", 0xffffffff));
  w.u8(get_uint(b, "type", 0xff));
  w.u8(get_uint(b, "format", 0xff));
  w.u8(get_uint(b, "event", 0xff));
  w.u8(get_uint(b, "channel", 0xff));
}
Json media_event_decode(Reader& r, const BodyContext&) {
  Json o;
  media_head_decode(r, o);
  return o;
}
void media_event_encode(const Json& b, Writer& w, const BodyContext&) { media_head_encode(b, w); }

// 0x0801: head, 28-byte basic location (no items), media data.
Json media_data_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  media_head_decode(r, o);
  Reader location(r.take(28));
  o["location"] = decode_location(location, ctx);
  o["multimedia"] = base64_encode(r.rest());
  return o;
}
void media_data_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  media_head_encode(b, w);
  Writer location;
  encode_location(get_object(b, "location"), location, ctx);
  if (location.size() != 28) throw BodyError("0x0801 \"location\" takes no additional items");
  w.raw(location.bytes());
  w.raw(get_base64(b, "multimedia"));
}

constexpr BodyCodec kCodecs[] = {
    {0x8300, text_decode, text_encode},
    {0x0900, transparent_decode, transparent_encode},
    {0x8900, transparent_decode, transparent_encode},
    {0x0901, sized_decode, sized_encode},
    {0x0701, sized_decode, sized_encode},
    {0x0301, event_decode, event_encode},
    {0x0302, question_answer_decode, question_answer_encode},
    {0x0303, info_decode, info_encode},
    {0x0108, upgrade_result_decode, upgrade_result_encode},
    {0x0800, media_event_decode, media_event_encode},
    {0x0801, media_data_decode, media_data_encode},
};

}  // namespace

std::span<const BodyCodec> data_bodies() { return kCodecs; }

}  // namespace jt808
