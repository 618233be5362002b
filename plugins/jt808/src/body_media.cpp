// Multimedia answers and commands: stored media search answer 0x0802, camera answer 0x0805,
// camera command 0x8801, stored media search/upload 0x8802/0x8803, audio recording 0x8804,
// single stored item upload 0x8805.
#include "location.hpp"

namespace jt808 {
namespace {

Json search_answer_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  o["seq"] = r.u16();
  const auto n = r.u16();
  o["length"] = n;
  Json items = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json item;
    item["id"] = r.u32();
    item["type"] = r.u8();
    item["channel"] = r.u8();
    item["event"] = r.u8();
    Reader location(r.take(28));  // fixed 28 bytes, as EMQX reads it
    item["location"] = decode_location(location, ctx);
    items.push_back(std::move(item));
  }
  o["result"] = std::move(items);
  return o;
}
void search_answer_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u16(get_uint(b, "seq", 0xffff));
  const auto& items = get_array(b, "result");
  if (items.size() > 0xffff) throw BodyError("too many \"result\" items");
  w.u16(items.size());
  for (const auto& item : items) {
    w.u32(get_uint(item, "id", 0xffffffff));
    w.u8(get_uint(item, "type", 0xff));
    w.u8(get_uint(item, "channel", 0xff));
    w.u8(get_uint(item, "event", 0xff));
    Writer location;
    encode_location(get_object(item, "location"), location, ctx);
    if (location.size() != 28) throw BodyError("\"location\" takes no additional items here");
    w.raw(location.bytes());
  }
}

Json shot_answer_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  const auto result = r.u8();
  o["result"] = result;
  if (result != 0) return o;
  const auto n = r.u16();
  o["length"] = n;
  Json ids = Json::array();
  for (unsigned i = 0; i < n; ++i) ids.push_back(r.u32());
  o["ids"] = std::move(ids);
  return o;
}
void shot_answer_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  const auto result = get_uint(b, "result", 0xff);
  w.u8(result);
  if (result != 0) return;
  const auto& ids = get_array(b, "ids");
  if (ids.size() > 0xffff) throw BodyError("too many \"ids\"");
  w.u16(ids.size());
  for (const auto& id : ids) w.u32(get_uint(Json{{"id", id}}, "id", 0xffffffff));
}

// Fixed layouts: (key, width in bytes; 0 = BCD[6] time) in wire order.
struct Field {
  const char* key;
  int width;
};
template <const Field* Fields, std::size_t N>
Json fixed_decode(Reader& r, const BodyContext&) {
  Json o;
  for (std::size_t i = 0; i < N; ++i) {
    const auto& f = Fields[i];
    o[f.key] = f.width == 0 ? Json(r.bcd(6)) : f.width == 1 ? Json(r.u8()) : f.width == 2 ? Json(r.u16()) : Json(r.u32());
  }
  return o;
}
template <const Field* Fields, std::size_t N>
void fixed_encode(const Json& b, Writer& w, const BodyContext&) {
  for (std::size_t i = 0; i < N; ++i) {
    const auto& f = Fields[i];
    if (f.width == 0) {
      w.bcd(get_bcd(b, f.key, 12), 6);
    } else if (f.width == 1) {
      w.u8(get_uint(b, f.key, 0xff));
    } else if (f.width == 2) {
      w.u16(get_uint(b, f.key, 0xffff));
    } else {
      w.u32(get_uint(b, f.key, 0xffffffff));
    }
  }
}

constexpr Field kCamera[] = {{"channel_id", 1}, {"command", 2}, {"period", 2},     {"save", 1},
                             {"resolution", 1}, {"quality", 1}, {"bright", 1},     {"contrast", 1},
                             {"saturate", 1},   {"chromaticity", 1}};
constexpr Field kSearch[] = {{"type", 1}, {"channel", 1}, {"event", 1}, {"start_time", 0}, {"end_time", 0}};
constexpr Field kUpload[] = {{"type", 1},       {"channel", 1},  {"event", 1},
                             {"start_time", 0}, {"end_time", 0}, {"delete", 1}};
constexpr Field kRecord[] = {{"command", 1}, {"time", 2}, {"save", 1}, {"rate", 1}};
constexpr Field kSingle[] = {{"id", 4}, {"flag", 1}};

template <const Field* F, std::size_t N>
constexpr BodyCodec fixed(std::uint16_t id, const Field (&)[N]) {
  return BodyCodec{id, fixed_decode<F, N>, fixed_encode<F, N>};
}

constexpr BodyCodec kCodecs[] = {
    {0x0802, search_answer_decode, search_answer_encode},
    {0x0805, shot_answer_decode, shot_answer_encode},
    fixed<kCamera>(0x8801, kCamera),
    fixed<kSearch>(0x8802, kSearch),
    fixed<kUpload>(0x8803, kUpload),
    fixed<kRecord>(0x8804, kRecord),
    fixed<kSingle>(0x8805, kSingle),
};

}  // namespace

std::span<const BodyCodec> media_bodies() { return kCodecs; }

}  // namespace jt808
