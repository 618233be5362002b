// Message bodies <-> EMQX's JSON body objects. Each family file (body_general, body_register,
// body_params, body_location, body_data, body_vehicle, body_media, body_interaction, body_areas)
// provides a table of codecs; body_table looks them up.
// Every codec works in both directions, so uplinks can be encoded (tests, simulators) and
// downlinks decoded (tests), and every type round-trips.
#pragma once

#include "gbk.hpp"
#include "header.hpp"
#include "wire.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <span>

namespace jt808 {

using Json = nlohmann::json;

/// Bit numbering of the 0x25 (vehicle signals) and 0x2A (IO status) location items.
enum class BitOrder {
  emqx,      // EMQX's: flags read from the most significant bit down
  standard,  // the standard's: bit 0 first
};

struct BodyContext {
  Version version = Version::v2013;
  BitOrder bit_order = BitOrder::emqx;
  /// Set when STRING fields are GBK on the wire (`string_encoding: "gbk"`); the session's own
  /// converter. Null: STRING fields are passed through as raw bytes.
  GbkText* gbk = nullptr;
};

/// A STRING field read from the wire: converted from GBK when configured, raw bytes otherwise.
std::string text_up(std::span<const std::uint8_t> raw, const BodyContext& ctx);
/// A STRING field to write, read from `o[key]`: converted to GBK when configured (BodyError naming
/// the key when it cannot be).
std::string get_text(const Json& o, const char* key, const BodyContext& ctx);

struct BodyCodec {
  std::uint16_t msg_id;
  /// Reads the body; must consume all of it (checked by the caller). Throws BodyError.
  Json (*decode)(Reader& r, const BodyContext& ctx);
  /// Writes the body from its JSON object (an empty object when the payload had no "body").
  /// Throws BodyError on a missing key, a wrong type or an out-of-range value.
  void (*encode)(const Json& body, Writer& w, const BodyContext& ctx);
};

std::span<const BodyCodec> general_bodies();
std::span<const BodyCodec> register_bodies();
std::span<const BodyCodec> param_bodies();
std::span<const BodyCodec> location_bodies();
std::span<const BodyCodec> data_bodies();
std::span<const BodyCodec> vehicle_bodies();
std::span<const BodyCodec> media_bodies();
std::span<const BodyCodec> interaction_bodies();
std::span<const BodyCodec> area_bodies();

/// Every family, for lookups and coverage checks.
std::array<std::span<const BodyCodec>, 9> all_bodies();

/// The codec for a message id, or nullptr when this codec does not know its layout.
const BodyCodec* find_body(std::uint16_t msg_id);

/// Decodes a known body (throws BodyError when it does not match its layout), or renders an
/// unknown one as EMQX does: {"unknown_id": true, "data": base64}.
Json decode_body(std::uint16_t msg_id, std::span<const std::uint8_t> body, const BodyContext& ctx);
/// Encodes a known body; throws BodyError for an unknown id or a bad JSON body.
Bytes encode_body(std::uint16_t msg_id, const Json& body, const BodyContext& ctx);

// JSON accessors used by the encoders; all throw BodyError naming the key.
std::uint64_t get_uint(const Json& o, const char* key, std::uint64_t max);
std::uint64_t get_uint_or(const Json& o, const char* key, std::uint64_t max, std::uint64_t fallback);
std::int64_t get_int(const Json& o, const char* key, std::int64_t min, std::int64_t max);
std::string get_string(const Json& o, const char* key);
Bytes get_base64(const Json& o, const char* key);
const Json& get_array(const Json& o, const char* key);
const Json& get_object(const Json& o, const char* key);
/// Checks a string is exactly `n` digits ('0'…'?' allowed, as BCD nibbles render) and returns it.
std::string get_bcd(const Json& o, const char* key, std::size_t n);

}  // namespace jt808
