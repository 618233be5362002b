// Terminal attributes 0x0107, upgrade 0x8108, drive recorder 0x0700/0x8700/0x8701, driver identity
// 0x0702, CAN bus 0x0705, vehicle control 0x8500, RSA keys 0x0A00/0x8A00. Counts and lengths are
// computed from the data (EMQX copies them from the downlink JSON); decoding reports them under
// EMQX's names.
#include "location.hpp"

namespace jt808 {
namespace {

std::string length_prefixed(Reader& r) { return as_string(r.take(r.u8())); }
std::string length_prefixed_text(Reader& r, const BodyContext& ctx) { return text_up(r.take(r.u8()), ctx); }
void put_length_prefixed(Writer& w, const std::string& s, const char* key) {
  if (s.size() > 0xff) throw BodyError(std::string("\"") + key + "\" longer than 255 bytes");
  w.u8(s.size());
  w.raw(s);
}

Json attributes_decode(Reader& r, const BodyContext& ctx) {
  const bool v19 = ctx.version == Version::v2019;
  Json o;
  o["type"] = r.u16();
  o["manufacturer"] = as_string(r.take(5));
  o["model"] = trim_nul_right(as_string(r.take(v19 ? 30 : 20)));
  o["id"] = trim_nul_right(as_string(r.take(v19 ? 30 : 7)));
  o["iccid"] = r.bcd(10);
  o["hardware_version"] = length_prefixed(r);
  o["firmware_version"] = length_prefixed(r);
  o["gnss_prop"] = r.u8();
  o["comm_prop"] = r.u8();
  return o;
}
void attributes_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  const bool v19 = ctx.version == Version::v2019;
  w.u16(get_uint(b, "type", 0xffff));
  w.fixed(get_string(b, "manufacturer"), 5);
  w.fixed(get_string(b, "model"), v19 ? 30 : 20);
  w.fixed(get_string(b, "id"), v19 ? 30 : 7);
  w.bcd(get_bcd(b, "iccid", 20), 10);
  put_length_prefixed(w, get_string(b, "hardware_version"), "hardware_version");
  put_length_prefixed(w, get_string(b, "firmware_version"), "firmware_version");
  w.u8(get_uint(b, "gnss_prop", 0xff));
  w.u8(get_uint(b, "comm_prop", 0xff));
}

// 0x8108: the firmware is the raw bytes of the JSON string, as EMQX writes it.
Json upgrade_decode(Reader& r, const BodyContext&) {
  Json o;
  o["type"] = r.u8();
  o["manufacturer"] = as_string(r.take(5));
  const auto ver_len = r.u8();
  o["ver_len"] = ver_len;
  o["version"] = as_string(r.take(ver_len));
  const auto fw_len = r.u32();
  o["fw_len"] = fw_len;
  o["firmware"] = as_string(r.take(fw_len));
  return o;
}
void upgrade_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "type", 0xff));
  w.fixed(get_string(b, "manufacturer"), 5);
  put_length_prefixed(w, get_string(b, "version"), "version");
  const auto fw = get_string(b, "firmware");
  w.u32(fw.size());
  w.raw(fw);
}

Json recorder_answer_decode(Reader& r, const BodyContext&) {
  Json o;
  o["seq"] = r.u16();
  o["command"] = r.u8();
  o["data"] = base64_encode(r.rest());
  return o;
}
void recorder_answer_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u16(get_uint(b, "seq", 0xffff));
  w.u8(get_uint(b, "command", 0xff));
  w.raw(get_base64(b, "data"));
}

Json recorder_command_decode(Reader& r, const BodyContext&) {
  Json o;
  o["command"] = r.u8();
  o["param"] = base64_encode(r.rest());
  return o;
}
void recorder_command_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u8(get_uint(b, "command", 0xff));
  if (b.contains("param")) w.raw(get_base64(b, "param"));
}

// 0x0702: the IC-card fields follow only for an inserted card read successfully.
Json driver_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  const auto status = r.u8();
  o["status"] = status;
  o["time"] = r.bcd(6);
  if (status != 1) return o;
  const auto ic = r.u8();
  o["ic_result"] = ic;
  if (ic != 0) return o;
  o["driver_name"] = length_prefixed_text(r, ctx);
  o["certificate"] = as_string(r.take(20));
  o["organization"] = length_prefixed_text(r, ctx);
  o["cert_expiry"] = r.bcd(4);
  if (ctx.version == Version::v2019) o["id_card"] = trim_nul_right(as_string(r.take(20)));
  return o;
}
void driver_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  const auto status = get_uint(b, "status", 0xff);
  w.u8(status);
  w.bcd(get_bcd(b, "time", 12), 6);
  if (status != 1) return;
  const auto ic = get_uint(b, "ic_result", 0xff);
  w.u8(ic);
  if (ic != 0) return;
  put_length_prefixed(w, get_text(b, "driver_name", ctx), "driver_name");
  w.fixed(get_string(b, "certificate"), 20);
  put_length_prefixed(w, get_text(b, "organization", ctx), "organization");
  w.bcd(get_bcd(b, "cert_expiry", 8), 4);
  if (ctx.version == Version::v2019) w.fixed(get_string(b, "id_card"), 20);
}

Json can_decode(Reader& r, const BodyContext&) {
  Json o;
  const auto n = r.u16();
  o["length"] = n;
  o["time"] = r.bcd(5);
  Json items = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    const auto id = r.u32();
    Json item;
    item["channel"] = id >> 31;
    item["frame_type"] = (id >> 30) & 1;
    item["data_method"] = (id >> 29) & 1;
    item["id"] = id & 0x1fffffff;
    item["data"] = base64_encode(r.take(8));
    items.push_back(std::move(item));
  }
  o["can_data"] = std::move(items);
  return o;
}
void can_encode(const Json& b, Writer& w, const BodyContext&) {
  const auto& items = get_array(b, "can_data");
  if (items.size() > 0xffff) throw BodyError("too many \"can_data\"");
  w.u16(items.size());
  w.bcd(get_bcd(b, "time", 10), 5);
  for (const auto& item : items) {
    const auto id = get_uint(item, "channel", 1) << 31 | get_uint(item, "frame_type", 1) << 30 |
                    get_uint(item, "data_method", 1) << 29 | get_uint(item, "id", 0x1fffffff);
    w.u32(id);
    const auto data = get_base64(item, "data");
    if (data.size() != 8) throw BodyError("CAN \"data\" must be 8 bytes");
    w.raw(data);
  }
}

// 0x8500: 2013 one control flag; 2019 a list of (control type, parameter). The standard's only
// 2019 control type (0x0001, doors) takes one byte, which is what decoding assumes per item.
Json control_decode(Reader& r, const BodyContext& ctx) {
  Json o;
  if (ctx.version == Version::v2013) {
    o["flag"] = r.u8();
    return o;
  }
  const auto n = r.u16();
  o["count"] = n;
  Json controls = Json::array();
  for (unsigned i = 0; i < n; ++i) {
    Json c;
    c["id"] = r.u16();
    c["param"] = as_string(r.take(1));
    controls.push_back(std::move(c));
  }
  o["controls"] = std::move(controls);
  return o;
}
void control_encode(const Json& b, Writer& w, const BodyContext& ctx) {
  if (ctx.version == Version::v2013) {
    w.u8(get_uint(b, "flag", 0xff));
    return;
  }
  const auto& controls = get_array(b, "controls");
  if (controls.size() > 0xffff) throw BodyError("too many \"controls\"");
  w.u16(controls.size());
  for (const auto& c : controls) {
    w.u16(get_uint(c, "id", 0xffff));
    w.raw(get_string(c, "param"));  // raw bytes of the string, as EMQX
  }
}

Json rsa_decode(Reader& r, const BodyContext&) {
  Json o;
  o["e"] = r.u32();
  o["n"] = base64_encode(r.take(128));
  return o;
}
void rsa_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u32(get_uint(b, "e", 0xffffffff));
  const auto n = get_base64(b, "n");
  if (n.size() != 128) throw BodyError("\"n\" must be 128 bytes");
  w.raw(n);
}

// 0x8A00: the same layout, but EMQX takes `n` from the downlink JSON as the string's raw bytes
// (not base64, unlike 0x0A00's uplink JSON); exactly 128 of them are required here.
Json platform_rsa_decode(Reader& r, const BodyContext&) {
  Json o;
  o["e"] = r.u32();
  o["n"] = as_string(r.take(128));
  return o;
}
void platform_rsa_encode(const Json& b, Writer& w, const BodyContext&) {
  w.u32(get_uint(b, "e", 0xffffffff));
  const auto n = get_string(b, "n");
  if (n.size() != 128) throw BodyError("\"n\" must be 128 bytes");
  w.raw(n);
}

constexpr BodyCodec kCodecs[] = {
    {0x0107, attributes_decode, attributes_encode},
    {0x8108, upgrade_decode, upgrade_encode},
    {0x0700, recorder_answer_decode, recorder_answer_encode},
    {0x8700, recorder_command_decode, recorder_command_encode},
    {0x8701, recorder_command_decode, recorder_command_encode},
    {0x0702, driver_decode, driver_encode},
    {0x0705, can_decode, can_encode},
    {0x8500, control_decode, control_encode},
    {0x0A00, rsa_decode, rsa_encode},
    {0x8A00, platform_rsa_decode, platform_rsa_encode},
};

}  // namespace

std::span<const BodyCodec> vehicle_bodies() { return kCodecs; }

}  // namespace jt808
