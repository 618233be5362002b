// Additional-information items follow EMQX's naming (including its spellings `custome`, `cluth`).
// An 0xE0 item ("length of the custom information that follows") is read as EMQX reads it: its
// value is published as `custome` and then read again as items, so custom items packed inside it
// (or anything after it) are decoded as well. Deliberate differences, all for input EMQX fails on:
//  - 0x11 with a length other than 1 or 5 falls back to the reserved form (EMQX: parse error);
//  - an 0xE0 value that cannot be read as items (vendor bytes) is skipped whole instead;
//  - when 0xE1–0xFF items are present too, `custome` is the object of those items and the 0xE0
//    value is kept in it under "224" (EMQX: parse error).
#include "location.hpp"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace jt808 {
namespace {

constexpr std::array<const char*, 15> kSignals = {"low_beam", "high_beam", "right_turn", "left_turn", "brake",
                                                  "reverse",  "fog",       "side_marker", "horn",     "air_conditioner",
                                                  "neutral",  "retarder",  "abs",         "heater",   "cluth"};

// The bit that carries flag `i` of an item `bits` wide.
unsigned flag_bit(BitOrder order, unsigned bits, unsigned i) { return order == BitOrder::emqx ? bits - 1 - i : i; }

Json decode_item(std::uint8_t id, std::span<const std::uint8_t> v, const BodyContext& ctx, bool& known) {
  known = true;
  Reader r(v);
  const auto n = v.size();
  switch (id) {
    case 0x01:
      if (n == 4) return r.u32();
      break;
    case 0x02:
    case 0x03:
    case 0x04:
      if (n == 2) return r.u16();
      break;
    case 0x05:
      if (ctx.version == Version::v2019) return base64_encode(v);
      break;
    case 0x06:
      if (ctx.version == Version::v2019 && n == 2) return static_cast<std::int16_t>(r.u16());
      break;
    case 0x11:
      if (n == 1) return Json{{"type", r.u8()}};
      if (n == 5) {
        Json o;
        o["type"] = r.u8();
        o["id"] = r.u32();
        return o;
      }
      break;
    case 0x12:
      if (n == 6) {
        Json o;
        o["type"] = r.u8();
        o["id"] = r.u32();
        o["direction"] = r.u8();
        return o;
      }
      break;
    case 0x13:
      if (n == 7) {
        Json o;
        o["id"] = r.u32();
        o["time"] = r.u16();
        o["result"] = r.u8();
        return o;
      }
      break;
    case 0x25:
      if (n == 4) {
        const auto bits = r.u32();
        Json o;
        for (unsigned i = 0; i < kSignals.size(); ++i) o[kSignals[i]] = (bits >> flag_bit(ctx.bit_order, 32, i)) & 1;
        return o;
      }
      break;
    case 0x2A:
      if (n == 2) {
        const auto bits = r.u16();
        Json o;
        o["deep_sleep"] = (bits >> flag_bit(ctx.bit_order, 16, 0)) & 1;
        o["sleep"] = (bits >> flag_bit(ctx.bit_order, 16, 1)) & 1;
        return o;
      }
      break;
    case 0x2B:
      if (n == 4) {
        const auto raw = r.u32();
        return Json{{"ad0", raw & 0xffff}, {"ad1", raw >> 16}};
      }
      break;
    case 0x30:
    case 0x31:
      if (n == 1) return r.u8();
      break;
    default:
      break;
  }
  known = false;
  return base64_encode(v);
}

const char* item_name(std::uint8_t id) {
  switch (id) {
    case 0x01: return "mileage";
    case 0x02: return "fuel_meter";
    case 0x03: return "speed";
    case 0x04: return "alarm_id";
    case 0x05: return "tire_pressure";
    case 0x06: return "carriage_temp";
    case 0x11: return "overspeed_alarm";
    case 0x12: return "in_out_alarm";
    case 0x13: return "path_time_alarm";
    case 0x25: return "signal";
    case 0x2A: return "io_status";
    case 0x2B: return "analog";
    case 0x30: return "rssi";
    case 0x31: return "gnss_sat_num";
    default: return nullptr;
  }
}

// readable[p]: the bytes from offset p to the end split into whole items, where at an 0xE0 item
// reading may go on either inside its value (EMQX's way) or after it. Computed from the end in one
// pass, so choosing at every 0xE0 costs no backtracking however they nest.
std::vector<bool> readable_offsets(std::span<const std::uint8_t> items) {
  const auto n = items.size();
  std::vector<bool> readable(n + 1, false);
  readable[n] = true;
  for (std::size_t p = n; p-- > 0;) {
    if (n - p < 2) continue;
    const auto after = p + 2 + items[p + 1];
    if (after > n) continue;
    readable[p] = readable[after] || (items[p] == 0xE0 && readable[p + 2]);
  }
  return readable;
}

Json decode_extra(std::span<const std::uint8_t> items, const BodyContext& ctx) {
  Json extra = Json::object();
  Json custom = Json::object();
  std::optional<std::string> e0;
  std::map<std::uint8_t, std::string> key_of;
  std::vector<bool> readable;  // only computed when an 0xE0 item appears (most reports have none)
  std::size_t p = 0;
  while (p < items.size()) {
    Reader r(items.subspan(p));  // throws when an item runs past the body
    const auto id = r.u8();
    const auto len = r.u8();
    const auto value = r.take(len);
    if (id == 0xE0) {
      e0 = base64_encode(value);
      if (readable.empty()) readable = readable_offsets(items);
      // EMQX goes on right after the length byte: the value is read again as items. Where that
      // cannot reach the end (EMQX fails the frame) the value is skipped as an opaque block.
      if (readable[p + 2]) {
        p += 2;
        continue;
      }
    } else if (id > 0xE0) {
      custom[std::to_string(id)] = base64_encode(value);
    } else {
      bool known = false;
      auto v = decode_item(id, value, ctx, known);
      // A repeated id overwrites the earlier one, as in EMQX, also when the two lengths put them
      // under different keys (named vs. generic form).
      auto& key = key_of[id];
      if (!key.empty()) extra.erase(key);
      key = known ? item_name(id) : std::to_string(id);
      extra[key] = std::move(v);
    }
    p += 2 + len;
  }
  if (!custom.empty()) {
    if (e0) custom["224"] = *e0;
    extra["custome"] = std::move(custom);
  } else if (e0) {
    extra["custome"] = *e0;
  }
  return extra;
}

// Items collected from the JSON object, written in ascending id order.
using Items = std::map<unsigned, Bytes>;

void put_item(Items& items, unsigned id, std::span<const std::uint8_t> value) {
  if (value.size() > 0xff) throw BodyError("additional item " + std::to_string(id) + " longer than 255 bytes");
  items[id].assign(value.begin(), value.end());
}

unsigned numeric_id(const std::string& key, unsigned lo, unsigned hi) {
  if (key.empty() || key.size() > 3 || key.find_first_not_of("0123456789") != std::string::npos) {
    throw BodyError("unknown additional item \"" + key + "\"");
  }
  const auto id = static_cast<unsigned>(std::stoul(key));
  if (id < lo || id > hi) throw BodyError("additional item id " + key + " out of range");
  return id;
}

void encode_known(const std::string& key, const Json& extra, Items& w, const BodyContext& ctx) {
  Writer v;
  const char* k = key.c_str();
  unsigned id = 0;
  if (key == "mileage") {
    id = 0x01, v.u32(get_uint(extra, k, 0xffffffff));
  } else if (key == "fuel_meter" || key == "speed" || key == "alarm_id") {
    id = key == "fuel_meter" ? 0x02 : key == "speed" ? 0x03 : 0x04;
    v.u16(get_uint(extra, k, 0xffff));
  } else if (key == "tire_pressure") {
    id = 0x05, v.raw(get_base64(extra, k));
  } else if (key == "carriage_temp") {
    id = 0x06, v.u16(static_cast<std::uint16_t>(get_int(extra, k, -32768, 32767)));
  } else if (key == "overspeed_alarm") {
    const auto& o = get_object(extra, k);
    id = 0x11, v.u8(get_uint(o, "type", 0xff));
    if (o.contains("id")) v.u32(get_uint(o, "id", 0xffffffff));
  } else if (key == "in_out_alarm") {
    const auto& o = get_object(extra, k);
    id = 0x12, v.u8(get_uint(o, "type", 0xff)), v.u32(get_uint(o, "id", 0xffffffff)), v.u8(get_uint(o, "direction", 0xff));
  } else if (key == "path_time_alarm") {
    const auto& o = get_object(extra, k);
    id = 0x13, v.u32(get_uint(o, "id", 0xffffffff)), v.u16(get_uint(o, "time", 0xffff)), v.u8(get_uint(o, "result", 0xff));
  } else if (key == "signal") {
    const auto& o = get_object(extra, k);
    std::uint32_t bits = 0;
    for (unsigned i = 0; i < kSignals.size(); ++i) {
      if (get_uint_or(o, kSignals[i], 1, 0) != 0) bits |= 1u << flag_bit(ctx.bit_order, 32, i);
    }
    id = 0x25, v.u32(bits);
  } else if (key == "io_status") {
    const auto& o = get_object(extra, k);
    std::uint32_t bits = 0;
    if (get_uint_or(o, "deep_sleep", 1, 0) != 0) bits |= 1u << flag_bit(ctx.bit_order, 16, 0);
    if (get_uint_or(o, "sleep", 1, 0) != 0) bits |= 1u << flag_bit(ctx.bit_order, 16, 1);
    id = 0x2A, v.u16(bits);
  } else if (key == "analog") {
    const auto& o = get_object(extra, k);
    id = 0x2B, v.u16(get_uint(o, "ad1", 0xffff)), v.u16(get_uint(o, "ad0", 0xffff));
  } else if (key == "rssi" || key == "gnss_sat_num") {
    id = key == "rssi" ? 0x30 : 0x31, v.u8(get_uint(extra, k, 0xff));
  } else {
    id = numeric_id(key, 0, 0xDF);
    v.raw(get_base64(extra, k));
  }
  put_item(w, id, v.bytes());
}

void encode_custom(const Json& extra, Items& w) {
  const auto& custom = extra["custome"];
  if (custom.is_string()) {
    put_item(w, 0xE0, get_base64(extra, "custome"));
    return;
  }
  if (!custom.is_object()) throw BodyError("\"custome\" must be a string or an object");
  for (const auto& [key, value] : custom.items()) {
    put_item(w, key == "224" ? 0xE0 : numeric_id(key, 0xE1, 0xFF), get_base64(custom, key.c_str()));
  }
}

void encode_extra(const Json& extra, Writer& w, const BodyContext& ctx) {
  if (!extra.is_object()) throw BodyError("\"extra\" must be an object");
  Items items;
  for (const auto& [key, value] : extra.items()) {
    if (key == "custome") {
      encode_custom(extra, items);
    } else {
      encode_known(key, extra, items, ctx);
    }
  }
  const auto put = [&w](unsigned id, const Bytes& value) {
    w.u8(id);
    w.u8(value.size());
    w.raw(value);
  };
  // Where the 0xE0 item goes matters, since reading takes its value again as items. A value that
  // is a whole sequence of items goes first: it is re-read, and the items written after it have
  // the last word, as they had in the report this JSON was read from. Any other value goes last,
  // where nothing follows that its re-reading could run into, so it stays opaque. Either way
  // decoding these bytes gives this JSON back.
  const auto e0 = items.extract(0xE0);
  const bool e0_first = !e0.empty() && readable_offsets(e0.mapped())[0];
  if (e0_first) put(0xE0, e0.mapped());
  for (const auto& [id, value] : items) put(id, value);
  if (!e0.empty() && !e0_first) put(0xE0, e0.mapped());
}

}  // namespace

Json decode_location(Reader& r, const BodyContext& ctx) {
  Json o;
  o["alarm"] = r.u32();
  o["status"] = r.u32();
  o["latitude"] = r.u32();
  o["longitude"] = r.u32();
  o["altitude"] = r.u16();
  o["speed"] = r.u16();
  o["direction"] = r.u16();
  o["time"] = r.bcd(6);
  if (!r.done()) o["extra"] = decode_extra(r.rest(), ctx);
  return o;
}

void encode_location(const Json& b, Writer& w, const BodyContext& ctx) {
  w.u32(get_uint(b, "alarm", 0xffffffff));
  w.u32(get_uint(b, "status", 0xffffffff));
  w.u32(get_uint(b, "latitude", 0xffffffff));
  w.u32(get_uint(b, "longitude", 0xffffffff));
  w.u16(get_uint(b, "altitude", 0xffff));
  w.u16(get_uint(b, "speed", 0xffff));
  w.u16(get_uint(b, "direction", 0xffff));
  w.bcd(get_bcd(b, "time", 12), 6);
  if (b.contains("extra")) encode_extra(b["extra"], w, ctx);
}

}  // namespace jt808
