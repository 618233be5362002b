// Registration 0x0100 / answer 0x8100 and authentication 0x0102, in EMQX's JSON. Padding is
// handled exactly as EMQX does (2013 manufacturer untrimmed, others trailing-NUL trimmed) so that
// consumers of EMQX's JSON see the same strings.
#include "body.hpp"

namespace jt808 {
namespace {

struct RegisterWidths {
  std::size_t manufacturer, model, dev_id;
};
RegisterWidths widths(Version v) { return v == Version::v2019 ? RegisterWidths{11, 30, 30} : RegisterWidths{5, 20, 7}; }

Json register_decode(Reader& r, const BodyContext& ctx) {
  const auto w = widths(ctx.version);
  Json o;
  o["province"] = r.u16();
  o["city"] = r.u16();
  auto manufacturer = as_string(r.take(w.manufacturer));
  o["manufacturer"] = ctx.version == Version::v2019 ? trim_nul_right(std::move(manufacturer)) : manufacturer;
  o["model"] = trim_nul_right(as_string(r.take(w.model)));
  o["dev_id"] = trim_nul_right(as_string(r.take(w.dev_id)));
  o["color"] = r.u8();
  o["license_number"] = text_up(r.rest(), ctx);
  return o;
}
void register_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  const auto widths_ = widths(ctx.version);
  w.u16(get_uint(b, "province", 0xffff));
  w.u16(get_uint(b, "city", 0xffff));
  w.fixed(get_string(b, "manufacturer"), widths_.manufacturer);
  w.fixed(get_string(b, "model"), widths_.model);
  w.fixed(get_string(b, "dev_id"), widths_.dev_id);
  w.u8(get_uint(b, "color", 0xff));
  w.raw(get_text(b, "license_number", ctx));
}

// 0x8100: the auth code runs to the end of the body; written whenever the key is present.
Json register_ack_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  o["result"] = r.u8();
  if (!r.done()) o["auth_code"] = as_string(r.rest());
  return o;
}
void register_ack_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  w.u8(get_uint(b, "result", 0xff));
  if (b.contains("auth_code")) w.raw(get_string(b, "auth_code"));
}

// 0x0102: 2013 = the whole body is the code (untrimmed, as EMQX); 2019 = length-prefixed code,
// IMEI BYTE[15], software version BYTE[20].
Json auth_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  if (ctx.version == Version::v2013) {
    o["code"] = as_string(r.rest());
    return o;
  }
  const auto n = r.u8();
  o["code"] = as_string(r.take(n));
  o["imei"] = trim_nul_right(as_string(r.take(15)));
  o["software_version"] = trim_nul_right(as_string(r.take(20)));
  return o;
}
void auth_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  const auto code = get_string(b, "code");
  if (ctx.version == Version::v2013) {
    w.raw(code);
    return;
  }
  if (code.size() > 0xff) throw BodyError("\"code\" longer than 255 bytes");
  w.u8(code.size());
  w.raw(code);
  w.fixed(get_string(b, "imei"), 15);
  w.fixed(get_string(b, "software_version"), 20);
}

constexpr BodyCodec kCodecs[] = {
    {0x0100, register_decode, register_encode},
    {0x8100, register_ack_decode, register_ack_encode},
    {0x0102, auth_decode, auth_encode},
};

}  // namespace

std::span<const BodyCodec> register_bodies() { return kCodecs; }

}  // namespace jt808
