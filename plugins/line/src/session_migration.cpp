// Hot reload: a session's state travels to the next generation of this codec as CBOR, because the
// unconsumed input and the answers owed are device bytes (not necessarily UTF-8) and CBOR carries
// them as byte strings. Request ids in `pending` stay valid: the host keeps a session's calls
// across generations.
//
// Schema "line.session/1":
//   {"schema", "state": 0 idle | 1 connecting | 2 connected, "unconsumed": bytes,
//    "input_done": bool, "closed": bool,
//    "pending": [[kind, text: bytes, request_id, code or null, message: bytes], ...]}
// A later schema gets a new name; an import that does not know the name refuses the session,
// which then simply stays on its generation.
#include "line_session.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace line {
namespace {

using Json = nlohmann::json;
constexpr const char* kSchema = "line.session/1";

[[noreturn]] void refuse(const std::string& why) {
  throw exproto::Error(exproto::kInvalidInput, "session state refused: " + why);
}

const Json& member(const Json& object, const char* key, Json::value_t type) {
  const auto it = object.find(key);
  if (it == object.end()) refuse(std::string("missing \"") + key + "\"");
  if (it->type() != type) refuse(std::string("\"") + key + "\" has the wrong type");
  return *it;
}

Json bytes_of(std::string_view text) { return Json::binary(std::vector<std::uint8_t>(text.begin(), text.end())); }

std::string text_of(const Json& value) {
  if (!value.is_binary()) refuse("a pending answer is malformed");
  const auto& b = value.get_binary();
  return std::string(b.begin(), b.end());
}

std::uint64_t unsigned_of(const Json& value, std::uint64_t max) {
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() > max) refuse("a value is out of range");
  return value.get<std::uint64_t>();
}

}  // namespace

exproto::Status LineSession::export_state(std::string& out) {
  Json pending = Json::array();
  for (const auto& p : pending_) {
    pending.push_back(Json::array({static_cast<int>(p.kind), bytes_of(p.text), p.request_id,
                                   p.code ? Json(*p.code) : Json(nullptr), bytes_of(p.message)}));
  }
  const Json state = {
      {"schema", kSchema},
      {"state", static_cast<int>(state_)},
      {"unconsumed", bytes_of(input_.unconsumed())},
      {"input_done", input_done_},
      {"closed", closed_},
      {"pending", std::move(pending)},
  };
  const auto cbor = Json::to_cbor(state);
  out.assign(cbor.begin(), cbor.end());
  return exproto::kOk;
}

std::unique_ptr<LineSession> LineSession::import(exproto::SessionHost host, const Config& config, bool datagrams,
                                                 std::string_view state) {
  const Json doc = Json::from_cbor(state.begin(), state.end(), /*strict=*/true, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) refuse("not a CBOR map");
  if (member(doc, "schema", Json::value_t::string) != kSchema) {
    refuse("unknown schema \"" + doc["schema"].get<std::string>() + "\" (this version reads " + kSchema + ")");
  }
  auto session = std::make_unique<LineSession>(host, config, datagrams);
  session->state_ = static_cast<State>(unsigned_of(member(doc, "state", Json::value_t::number_unsigned),
                                                   static_cast<std::uint64_t>(State::connected)));
  const auto& unconsumed = member(doc, "unconsumed", Json::value_t::binary).get_binary();
  session->input_.feed(std::span<const std::uint8_t>(unconsumed.data(), unconsumed.size()));
  session->input_done_ = member(doc, "input_done", Json::value_t::boolean).get<bool>();
  session->closed_ = member(doc, "closed", Json::value_t::boolean).get<bool>();
  for (const auto& row : member(doc, "pending", Json::value_t::array)) {
    if (!row.is_array() || row.size() != 5) refuse("a pending answer is malformed");
    Pending p;
    p.kind = static_cast<Pending::Kind>(unsigned_of(row[0], static_cast<std::uint64_t>(Pending::Kind::close)));
    p.text = text_of(row[1]);
    p.request_id = unsigned_of(row[2], UINT64_MAX);
    if (row[3].is_number_integer()) {
      const auto code = row[3].get<std::int64_t>();
      if (code < INT32_MIN || code > INT32_MAX) refuse("a pending answer is malformed");
      p.code = static_cast<std::int32_t>(code);
    } else if (!row[3].is_null()) {
      refuse("a pending answer is malformed");
    }
    p.message = text_of(row[4]);
    session->pending_.push_back(std::move(p));
  }
  return session;
}

}  // namespace line
