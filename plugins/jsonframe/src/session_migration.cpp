// Hot reload: a session's state travels to the next generation of this codec as CBOR, because the
// unfinished frame is raw device bytes (not necessarily UTF-8) and CBOR carries them as a byte
// string. Request ids in `pending` stay valid: the host keeps a session's calls across generations.
//
// Schema "jsonframe.session/1":
//   {"schema", "unconsumed": bytes, "input_done": bool, "closed": bool,
//    "pending": [[kind, reply_type, keepalive_s, request_id, code or null], ...]}
// A later schema gets a new name; an import that does not know the name refuses the session,
// which then simply stays on its generation.
#include "jsonframe_session.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace jsonframe {
namespace {

using Json = nlohmann::json;
constexpr const char* kSchema = "jsonframe.session/1";

[[noreturn]] void refuse(const std::string& why) {
  throw exproto::Error(exproto::kInvalidInput, "session state refused: " + why);
}

const Json& member(const Json& object, const char* key, Json::value_t type) {
  const auto it = object.find(key);
  if (it == object.end()) refuse(std::string("missing \"") + key + "\"");
  if (it->type() != type) refuse(std::string("\"") + key + "\" has the wrong type");
  return *it;
}

std::uint64_t unsigned_at(const Json& row, std::size_t i, std::uint64_t max) {
  if (!row[i].is_number_unsigned() || row[i].get<std::uint64_t>() > max) refuse("a pending reply is malformed");
  return row[i].get<std::uint64_t>();
}

bool reply_type(std::uint64_t t) { return t == kConnack || t == kPuback || t == kSuback || t == kUnsuback; }

}  // namespace

exproto::Status JsonFrameSession::export_state(std::string& out) {
  Json pending = Json::array();
  for (const auto& p : pending_) {
    pending.push_back(Json::array({static_cast<int>(p.kind), static_cast<int>(p.reply_type), p.keepalive_s,
                                   p.request_id, p.code ? Json(*p.code) : Json(nullptr)}));
  }
  const auto bytes = scanner_.unconsumed();
  const Json state = {
      {"schema", kSchema},
      {"unconsumed", Json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()))},
      {"input_done", input_done_},
      {"closed", closed_},
      {"pending", std::move(pending)},
  };
  const auto cbor = Json::to_cbor(state);
  out.assign(cbor.begin(), cbor.end());
  return exproto::kOk;
}

std::unique_ptr<JsonFrameSession> JsonFrameSession::import(exproto::SessionHost host, const Config& config,
                                                           bool datagrams, std::string_view state) {
  const Json doc = Json::from_cbor(state.begin(), state.end(), /*strict=*/true, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) refuse("not a CBOR map");
  if (member(doc, "schema", Json::value_t::string) != kSchema) {
    refuse("unknown schema \"" + doc["schema"].get<std::string>() + "\" (this version reads " + kSchema + ")");
  }
  const auto& unconsumed = member(doc, "unconsumed", Json::value_t::binary).get_binary();
  if (unconsumed.size() > config.max_frame_bytes) refuse("the unfinished frame exceeds this max_frame_bytes");

  auto session = std::make_unique<JsonFrameSession>(host, config, datagrams);
  session->scanner_.feed(std::span<const std::uint8_t>(unconsumed.data(), unconsumed.size()));
  session->input_done_ = member(doc, "input_done", Json::value_t::boolean).get<bool>();
  session->closed_ = member(doc, "closed", Json::value_t::boolean).get<bool>();
  for (const auto& row : member(doc, "pending", Json::value_t::array)) {
    if (!row.is_array() || row.size() != 5) refuse("a pending reply is malformed");
    Pending p{};
    const auto kind = unsigned_at(row, 0, static_cast<std::uint64_t>(Pending::Kind::close));
    const auto type = unsigned_at(row, 1, kRawPublish);
    if (!reply_type(type)) refuse("a pending reply has no reply type");
    p.kind = static_cast<Pending::Kind>(kind);
    p.reply_type = static_cast<FrameType>(type);
    p.keepalive_s = static_cast<std::uint32_t>(unsigned_at(row, 2, UINT32_MAX));
    p.request_id = unsigned_at(row, 3, UINT64_MAX);
    if (row[4].is_number_integer()) {
      const auto code = row[4].get<std::int64_t>();
      if (code < INT32_MIN || code > INT32_MAX) refuse("a pending reply is malformed");
      p.code = static_cast<std::int32_t>(code);
    } else if (!row[4].is_null()) {
      refuse("a pending reply is malformed");
    }
    session->pending_.push_back(p);
  }
  return session;
}

}  // namespace jsonframe
