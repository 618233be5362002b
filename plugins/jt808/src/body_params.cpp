// Terminal parameters: set 0x8103, query 0x8106, answer 0x0104, and terminal control 0x8105.
// Value types by parameter id follow EMQX's table. Deliberate difference: an item's length byte is
// always honoured; a numeric id whose length is not its width is rendered as base64 of the raw
// value instead of desynchronising the rest of the list (EMQX reads the fixed width).
#include "body.hpp"

namespace jt808 {
namespace {

enum class ParamType { dword, word, byte, string, bytes };

ParamType param_type(std::uint32_t id) {
  const auto in = [id](std::uint32_t lo, std::uint32_t hi) { return id >= lo && id <= hi; };
  if (in(0x0001, 0x0007) || id == 0x0018 || id == 0x0019 || id == 0x001B || id == 0x001C || in(0x0020, 0x0022) ||
      in(0x0027, 0x0029) || in(0x002C, 0x0030) || in(0x0045, 0x0047) || in(0x0050, 0x005A) || id == 0x0064 ||
      id == 0x0065 || in(0x0070, 0x0074) || id == 0x0080 || id == 0x0093 || id == 0x0095 || id == 0x0100 ||
      id == 0x0102) {
    return ParamType::dword;
  }
  if (id == 0x0031 || in(0x005B, 0x005E) || id == 0x0081 || id == 0x0082 || id == 0x0101 || id == 0x0103) {
    return ParamType::word;
  }
  if (id == 0x0084 || in(0x0090, 0x0092) || id == 0x0094) return ParamType::byte;
  if (in(0x0010, 0x0017) || id == 0x001A || id == 0x001D || in(0x0040, 0x0044) || id == 0x0048 || id == 0x0049 ||
      id == 0x0083) {
    return ParamType::string;
  }
  return ParamType::bytes;  // includes 0x0110–0x01FF (CAN, BYTE[8]) and vendor ids
}

std::size_t width(ParamType t) { return t == ParamType::dword ? 4 : t == ParamType::word ? 2 : 1; }

Json param_value(std::uint32_t id, std::span<const std::uint8_t> raw, const BodyContext& ctx) {
  const auto t = param_type(id);
  if (t == ParamType::string) return text_up(raw, ctx);
  if (t == ParamType::bytes || raw.size() != width(t)) return base64_encode(raw);
  Reader r(raw);
  return t == ParamType::dword ? Json(r.u32()) : t == ParamType::word ? Json(r.u16()) : Json(r.u8());
}

Json params_decode(Reader& r, unsigned count, const BodyContext& ctx) {
  Json params = Json::array();
  for (unsigned i = 0; i < count; ++i) {
    const auto id = r.u32();
    const auto len = r.u8();
    params.push_back(Json{{"id", id}, {"value", param_value(id, r.take(len), ctx)}});
  }
  return params;
}

void params_encode(const Json& list, Writer& w, const BodyContext& ctx) {
  if (list.size() > 0xff) throw BodyError("more than 255 \"params\"");
  w.u8(list.size());
  for (const auto& p : list) {
    const auto id = static_cast<std::uint32_t>(get_uint(p, "id", 0xffffffff));
    w.u32(id);
    const auto t = param_type(id);
    const auto& v = p.contains("value") ? p["value"] : throw BodyError("parameter without \"value\"");
    if (t == ParamType::string) {
      const auto s = get_text(p, "value", ctx);
      if (s.size() > 0xff) throw BodyError("parameter value longer than 255 bytes");
      w.u8(s.size());
      w.raw(s);
    } else if (t != ParamType::bytes && v.is_number()) {
      const auto n = width(t);
      const auto value = get_uint(p, "value", n == 4 ? 0xffffffff : n == 2 ? 0xffff : 0xff);
      w.u8(n);
      if (n == 4) w.u32(value);
      if (n == 2) w.u16(value);
      if (n == 1) w.u8(value);
    } else {
      const auto raw = get_base64(p, "value");
      if (raw.size() > 0xff) throw BodyError("parameter value longer than 255 bytes");
      if (id >= 0x0110 && id <= 0x01FF && raw.size() != 8) throw BodyError("CAN parameter must be 8 bytes");
      w.u8(raw.size());
      w.raw(raw);
    }
  }
}

// 0x8103: the count is computed from `params` (EMQX copies `length` from the JSON).
Json set_decode(Reader& r, const BodyContext& ctx) {
  const auto n = r.u8();
  return Json{{"length", n}, {"params", params_decode(r, n, ctx)}};
}
void set_encode(const Json& b, Writer& w, const BodyContext& ctx) { params_encode(get_array(b, "params"), w, ctx); }

Json answer_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["seq"] = r.u16();
  const auto n = r.u8();
  o["length"] = n;
  o["params"] = params_decode(r, n, ctx);
  return o;
}
void answer_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u16(get_uint(b, "seq", 0xffff));
  params_encode(get_array(b, "params"), w, ctx);
}

Json query_decode(Reader& r, const BodyContext&) {
  const auto n = r.u8();
  Json ids = Json::array();
  for (unsigned i = 0; i < n; ++i) ids.push_back(r.u32());
  return Json{{"length", n}, {"ids", std::move(ids)}};
}
void query_encode(const Json& b, Writer& w, const BodyContext&) {
  const auto& ids = get_array(b, "ids");
  if (ids.size() > 0xff) throw BodyError("more than 255 \"ids\"");
  w.u8(ids.size());
  for (const auto& id : ids) w.u32(get_uint(Json{{"id", id}}, "id", 0xffffffff));
}

// 0x8105: the parameter is the raw string (as EMQX; not base64).
Json control_decode(Reader& r, const BodyContext&) {
  Json o;
  o["command"] = r.u8();
  o["param"] = as_string(r.rest());
  return o;
}
void control_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "command", 0xff));
  if (b.contains("param")) w.raw(get_string(b, "param"));
}

constexpr BodyCodec kCodecs[] = {
    {0x8103, set_decode, set_encode},
    {0x0104, answer_decode, answer_encode},
    {0x8106, query_decode, query_encode},
    {0x8105, control_decode, control_encode},
};

}  // namespace

std::span<const BodyCodec> param_bodies() { return kCodecs; }

}  // namespace jt808
