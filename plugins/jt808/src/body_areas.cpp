// Areas and routes: set circle, rectangle and polygon areas and routes 0x8600/0x8602/0x8604/0x8606,
// delete them 0x8601/0x8603/0x8605/0x8607, query them 0x8608 and the answer 0x0608 (2019).
//
// Which optional parts are written follows EMQX: a circle carries its times when the JSON has
// `start_time` and its speed limit when it has `max_speed`; rectangles, polygons and routes always
// carry both. Decoding (tests, simulators) reads a circle's optional parts from the attribute bits
// the standard ties them to (bit 0 times, bit 1 speed limit), as a terminal does. One deliberate
// difference: a 2019 circle always ends with its name, as the standard lays it out (EMQX writes
// night speed and name only together with a speed limit, which a 2019 terminal cannot parse).
// Counts are computed from the lists; names are STRING (GBK when configured).
#include "body.hpp"

#include <initializer_list>

namespace jt808 {
namespace {

bool v2019(const BodyContext& ctx) { return ctx.version == Version::v2019; }

void read_u32s(Reader& r, Json& o, std::initializer_list<const char*> keys) {
  for (const auto* k : keys) o[k] = r.u32();
}
void put_u32s(const Json& o, Writer& w, std::initializer_list<const char*> keys) {
  for (const auto* k : keys) w.u32(get_uint(o, k, 0xffffffff));
}

void read_times(Reader& r, Json& o) {
  o["start_time"] = r.bcd(6);
  o["end_time"] = r.bcd(6);
}
void put_times(const Json& o, Writer& w) {
  w.bcd(get_bcd(o, "start_time", 12), 6);
  w.bcd(get_bcd(o, "end_time", 12), 6);
}

void read_speed(Reader& r, Json& o) {
  o["max_speed"] = r.u16();
  o["overspeed_duration"] = r.u8();
}
void put_speed(const Json& o, Writer& w) {
  w.u16(get_uint(o, "max_speed", 0xffff));
  w.u8(get_uint(o, "overspeed_duration", 0xff));
}

// 2019 additions: night max speed (EMQX's default 0) and a WORD-prefixed name (default "").
void put_night_speed(const Json& o, Writer& w) { w.u16(get_uint_or(o, "night_max_speed", 0xffff, 0)); }
void read_name(Reader& r, Json& o, const BodyContext& ctx) { o["name"] = text_up(r.take(r.u16()), ctx); }
void put_name(const Json& o, Writer& w, const BodyContext& ctx) {
  const auto name = o.contains("name") ? get_text(o, "name", ctx) : std::string();
  if (name.size() > 0xffff) throw BodyError("\"name\" too long");
  w.u16(name.size());
  w.raw(name);
}

const Json& counted(const Json& o, const char* key, std::size_t max) {
  const auto& items = get_array(o, key);
  if (items.size() > max) throw BodyError(std::string("too many \"") + key + "\"");
  return items;
}

// 0x8600 / 0x8602: set type BYTE, area count BYTE, areas.
template <bool Rectangle>
Json area_set_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["type"] = r.u8();
  const auto n = r.u8();
  o["length"] = n;
  Json areas = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json a;
    a["id"] = r.u32();
    const auto flag = r.u16();
    a["flag"] = flag;
    if (Rectangle) {
      read_u32s(r, a, {"lt_lat", "lt_lng", "rb_lat", "rb_lng"});
    } else {
      read_u32s(r, a, {"center_latitude", "center_longitude", "radius"});
    }
    if (Rectangle || (flag & 1) != 0) read_times(r, a);
    if (Rectangle || (flag & 2) != 0) {
      read_speed(r, a);
      if (v2019(ctx)) a["night_max_speed"] = r.u16();
    }
    if (v2019(ctx)) read_name(r, a, ctx);
    areas.push_back(std::move(a));
  }
  o["areas"] = std::move(areas);
  return o;
}
template <bool Rectangle>
void area_set_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u8(get_uint(b, "type", 0xff));
  const auto& areas = counted(b, "areas", 0xff);
  w.u8(areas.size());
  for (const auto& a : areas) {
    w.u32(get_uint(a, "id", 0xffffffff));
    w.u16(get_uint(a, "flag", 0xffff));
    if (Rectangle) {
      put_u32s(a, w, {"lt_lat", "lt_lng", "rb_lat", "rb_lng"});
    } else {
      put_u32s(a, w, {"center_latitude", "center_longitude", "radius"});
    }
    if (Rectangle || a.contains("start_time")) put_times(a, w);
    if (Rectangle || a.contains("max_speed")) {
      put_speed(a, w);
      if (v2019(ctx)) put_night_speed(a, w);
    }
    if (v2019(ctx)) put_name(a, w, ctx);
  }
}

// 0x8604: one polygon per message.
Json polygon_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["id"] = r.u32();
  o["flag"] = r.u16();
  read_times(r, o);
  read_speed(r, o);
  const auto n = r.u16();
  o["length"] = n;
  Json points = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json p;
    read_u32s(r, p, {"lat", "lng"});
    points.push_back(std::move(p));
  }
  o["points"] = std::move(points);
  if (v2019(ctx)) {
    o["night_max_speed"] = r.u16();
    read_name(r, o, ctx);
  }
  return o;
}
void polygon_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u32(get_uint(b, "id", 0xffffffff));
  w.u16(get_uint(b, "flag", 0xffff));
  put_times(b, w);
  put_speed(b, w);
  const auto& points = counted(b, "points", 0xffff);
  w.u16(points.size());
  for (const auto& p : points) put_u32s(p, w, {"lat", "lng"});
  if (v2019(ctx)) {
    put_night_speed(b, w);
    put_name(b, w, ctx);
  }
}

// 0x8606: one route per message; every corner carries all its fields, as EMQX writes them.
Json route_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["id"] = r.u32();
  o["flag"] = r.u16();
  read_times(r, o);
  const auto n = r.u16();
  o["length"] = n;
  Json points = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json p;
    read_u32s(r, p, {"point_id", "path_id", "point_lat", "point_lng"});
    p["width"] = r.u8();
    p["attrib"] = r.u8();
    p["passed"] = r.u16();
    p["uncovered"] = r.u16();
    read_speed(r, p);
    points.push_back(std::move(p));
  }
  o["points"] = std::move(points);
  if (v2019(ctx)) read_name(r, o, ctx);
  return o;
}
void route_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u32(get_uint(b, "id", 0xffffffff));
  w.u16(get_uint(b, "flag", 0xffff));
  put_times(b, w);
  const auto& points = counted(b, "points", 0xffff);
  w.u16(points.size());
  for (const auto& p : points) {
    put_u32s(p, w, {"point_id", "path_id", "point_lat", "point_lng"});
    w.u8(get_uint(p, "width", 0xff));
    w.u8(get_uint(p, "attrib", 0xff));
    w.u16(get_uint(p, "passed", 0xffff));
    w.u16(get_uint(p, "uncovered", 0xffff));
    put_speed(p, w);
  }
  if (v2019(ctx)) put_name(b, w, ctx);
}

// 0x8601/0x8603/0x8605/0x8607: count BYTE + DWORD ids.
Json delete_decode(Reader& r, const BodyContext&) {
  const auto n = r.u8();
  Json ids = Json::array();
  for (unsigned i = 0; i < n; ++i) ids.push_back(r.u32());
  return Json{{"length", n}, {"ids", std::move(ids)}};
}
void delete_encode(const Json& b, Writer& w, const BodyContext&) {
  const auto& ids = counted(b, "ids", 0xff);
  w.u8(ids.size());
  for (const auto& id : ids) w.u32(get_uint(Json{{"id", id}}, "id", 0xffffffff));
}

// 0x8608 (2019): type BYTE, count DWORD (0 = all), DWORD ids.
Json query_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  const auto n = r.u32();
  o["count"] = n;
  Json ids = Json::array();
  for (std::uint32_t i = 0; i < n; ++i) ids.push_back(r.u32());  // bounded: each read needs 4 bytes
  o["ids"] = std::move(ids);
  return o;
}
void query_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  const auto& ids = b.contains("ids") ? get_array(b, "ids") : Json::array();
  w.u32(ids.size());
  for (const auto& id : ids) w.u32(get_uint(Json{{"id", id}}, "id", 0xffffffff));
}

// 0x0608 (2019): type BYTE, count DWORD, the area records as base64 (EMQX's `count`/`data`).
Json answer_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  o["count"] = r.u32();
  o["data"] = base64_encode(r.rest());
  return o;
}
void answer_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  w.u32(get_uint(b, "count", 0xffffffff));
  w.raw(get_base64(b, "data"));
}

constexpr BodyCodec kCodecs[] = {
    {0x8600, area_set_decode<false>, area_set_encode<false>},
    {0x8602, area_set_decode<true>, area_set_encode<true>},
    {0x8604, polygon_decode, polygon_encode},
    {0x8606, route_decode, route_encode},
    {0x8601, delete_decode, delete_encode},
    {0x8603, delete_decode, delete_encode},
    {0x8605, delete_decode, delete_encode},
    {0x8607, delete_decode, delete_encode},
    {0x8608, query_decode, query_encode},
    {0x0608, answer_decode, answer_encode},
};

}  // namespace

std::span<const BodyCodec> area_bodies() { return kCodecs; }

}  // namespace jt808
