#include "body.hpp"

#include <array>
#include <limits>

namespace jt808 {

std::array<std::span<const BodyCodec>, 9> all_bodies() {
  return {general_bodies(), register_bodies(), param_bodies(), location_bodies(),    data_bodies(),
          vehicle_bodies(), media_bodies(),    area_bodies(),  interaction_bodies()};
}

std::string text_up(std::span<const std::uint8_t> raw, const BodyContext& ctx) {
  return ctx.gbk != nullptr ? ctx.gbk->to_utf8(raw) : as_string(raw);
}

std::string get_text(const Json& o, const char* key, const BodyContext& ctx) {
  auto text = get_string(o, key);
  if (ctx.gbk == nullptr) return text;
  std::string gbk;
  if (!ctx.gbk->to_gbk(text, gbk)) {
    throw BodyError(std::string("\"") + key + "\" is not valid UTF-8 or has characters GBK lacks");
  }
  return gbk;
}

const BodyCodec* find_body(std::uint16_t msg_id) {
  for (const auto family : all_bodies()) {
    for (const auto& c : family) {
      if (c.msg_id == msg_id) return &c;
    }
  }
  return nullptr;
}

Json decode_body(std::uint16_t msg_id, std::span<const std::uint8_t> body, const BodyContext& ctx) {
  const auto* codec = find_body(msg_id);
  if (codec == nullptr) return Json{{"unknown_id", true}, {"data", base64_encode(body)}};
  Reader r(body);
  auto out = codec->decode(r, ctx);
  if (!r.done()) throw BodyError(std::to_string(r.remaining()) + " unexpected bytes after the body");
  return out;
}

Bytes encode_body(std::uint16_t msg_id, const Json& body, const BodyContext& ctx) {
  const auto* codec = find_body(msg_id);
  if (codec == nullptr) throw BodyError("no body layout known for message id " + std::to_string(msg_id));
  if (!body.is_object()) throw BodyError("\"body\" must be an object");
  Writer w;
  codec->encode(body, w, ctx);
  return w.take();
}

namespace {
const Json& member(const Json& o, const char* key) {
  if (!o.is_object()) throw BodyError(std::string("expected an object holding \"") + key + "\"");
  const auto it = o.find(key);
  if (it == o.end()) throw BodyError(std::string("missing \"") + key + "\"");
  return *it;
}
}  // namespace

std::uint64_t get_uint(const Json& o, const char* key, std::uint64_t max) {
  const auto& v = member(o, key);
  if (!v.is_number_integer()) throw BodyError(std::string("\"") + key + "\" must be an integer");
  if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
    throw BodyError(std::string("\"") + key + "\" must not be negative");
  }
  const auto n = v.get<std::uint64_t>();
  if (n > max) throw BodyError(std::string("\"") + key + "\" exceeds " + std::to_string(max));
  return n;
}

std::uint64_t get_uint_or(const Json& o, const char* key, std::uint64_t max, std::uint64_t fallback) {
  return o.is_object() && o.contains(key) ? get_uint(o, key, max) : fallback;
}

std::int64_t get_int(const Json& o, const char* key, std::int64_t min, std::int64_t max) {
  const auto& v = member(o, key);
  if (!v.is_number_integer()) throw BodyError(std::string("\"") + key + "\" must be an integer");
  if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    throw BodyError(std::string("\"") + key + "\" is out of range");
  }
  const auto n = v.get<std::int64_t>();
  if (n < min || n > max) throw BodyError(std::string("\"") + key + "\" is out of range");
  return n;
}

std::string get_string(const Json& o, const char* key) {
  const auto& v = member(o, key);
  if (!v.is_string()) throw BodyError(std::string("\"") + key + "\" must be a string");
  return v.get<std::string>();
}

Bytes get_base64(const Json& o, const char* key) {
  try {
    return base64_decode(get_string(o, key));
  } catch (const BodyError& e) {
    throw BodyError(std::string("\"") + key + "\": " + e.what());
  }
}

const Json& get_array(const Json& o, const char* key) {
  const auto& v = member(o, key);
  if (!v.is_array()) throw BodyError(std::string("\"") + key + "\" must be an array");
  return v;
}

const Json& get_object(const Json& o, const char* key) {
  const auto& v = member(o, key);
  if (!v.is_object()) throw BodyError(std::string("\"") + key + "\" must be an object");
  return v;
}

std::string get_bcd(const Json& o, const char* key, std::size_t n) {
  auto s = get_string(o, key);
  if (s.size() != n) throw BodyError(std::string("\"") + key + "\" must have " + std::to_string(n) + " digits");
  for (const char c : s) {
    if (c < '0' || c > '?') throw BodyError(std::string("\"") + key + "\" must be digits");
  }
  return s;
}

}  // namespace jt808
