// Hot reload: a terminal's session travels to the next generation of this codec as CBOR (frames,
// package bodies and downlinks are raw bytes; CBOR carries them as byte strings). Everything that
// decides future behaviour goes along: the receiver's partial frame, incomplete sub-package sets,
// downlinks in flight and queued (with their serial numbers, acknowledged packages, tries left and
// retry timers), frames held behind a pending Authenticate, the registration, the identity and
// topics, the next serial number and the counters. Request and timer ids stay valid because the
// host keeps a session's calls and timers across generations.
//
// Schema "jt808.session/1": a map whose keys are read below. A later layout gets a new schema
// name; an import that does not know the name refuses the session, which then stays on its
// generation. Only the generation that wrote a state reads it, so structure errors surface as the
// JSON library's exceptions (the SDK turns any exception into a refused import with its text).
#include "session.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace jt808 {
namespace {

constexpr const char* kSchema = "jt808.session/1";

Json bytes_of(const Bytes& b) { return Json::binary(std::vector<std::uint8_t>(b.begin(), b.end())); }
Json bytes_of(std::string_view s) { return Json::binary(std::vector<std::uint8_t>(s.begin(), s.end())); }
Bytes bytes_in(const Json& j) { return Bytes(j.get_binary().begin(), j.get_binary().end()); }
std::string text_in(const Json& j) { return std::string(j.get_binary().begin(), j.get_binary().end()); }

template <class E>
E enum_in(const Json& j, E last, const char* what) {
  const auto v = j.get<std::uint64_t>();
  if (v > static_cast<std::uint64_t>(last)) throw std::runtime_error(std::string("bad ") + what + " in the state");
  return static_cast<E>(v);
}

Json header_of(const Header& h) {
  return Json::array({h.msg_id, h.body_len, h.encrypt, static_cast<int>(h.version), h.proto_ver, h.phone, h.msg_sn,
                      h.subpackage, h.frag_total, h.frag_sn});
}

Header header_in(const Json& j) {
  Header h;
  h.msg_id = j.at(0).get<std::uint16_t>();
  h.body_len = j.at(1).get<std::uint32_t>();
  h.encrypt = j.at(2).get<std::uint8_t>();
  h.version = enum_in(j.at(3), Version::v2019, "edition");
  h.proto_ver = j.at(4).get<std::uint8_t>();
  h.phone = j.at(5).get<std::string>();
  h.msg_sn = j.at(6).get<std::uint16_t>();
  h.subpackage = j.at(7).get<bool>();
  h.frag_total = j.at(8).get<std::uint16_t>();
  h.frag_sn = j.at(9).get<std::uint16_t>();
  return h;
}

Json message_of(const OutgoingMessage& m) {
  Json frames = Json::array();
  for (const auto& f : m.frames) frames.push_back(bytes_of(f));
  return {{"id", m.msg_id}, {"sns", m.sns}, {"frames", std::move(frames)}};
}

OutgoingMessage message_in(const Json& j) {
  OutgoingMessage m;
  m.msg_id = j.at("id").get<std::uint16_t>();
  m.sns = j.at("sns").get<std::vector<std::uint16_t>>();
  for (const auto& f : j.at("frames")) m.frames.push_back(bytes_in(f));
  if (m.frames.size() != m.sns.size()) throw std::runtime_error("a downlink's packages and serials differ in the state");
  return m;
}

}  // namespace

// ---- the parts ----------------------------------------------------------------------------------

Json FrameReceiver::snapshot() const { return {{"state", static_cast<int>(state_)}, {"buf", bytes_of(buf_)}}; }

void FrameReceiver::restore(const Json& j) {
  state_ = enum_in(j.at("state"), State::discarding, "receiver state");
  buf_ = bytes_in(j.at("buf"));
  // a smaller max_frame_bytes in the new config must not be bypassed by a migrated partial frame
  if (buf_.size() > max_) throw std::runtime_error("the partial frame exceeds this max_frame_bytes");
}

Json Reassembler::snapshot() const {
  Json sets = Json::array();
  for (const auto& [key, set] : sets_) {
    Json parts = Json::array();
    for (const auto& [n, body] : set.parts) parts.push_back(Json::array({n, bytes_of(body)}));
    sets.push_back({{"key", Json::array({std::get<0>(key), std::get<1>(key), std::get<2>(key)})},
                    {"id", set.id},
                    {"timer", set.timer_id},
                    {"first", header_of(set.first)},
                    {"parts", std::move(parts)}});
  }
  return {{"sets", std::move(sets)}, {"next_id", next_id_}};
}

void Reassembler::restore(const Json& j) {
  for (const auto& s : j.at("sets")) {
    const auto& k = s.at("key");
    const Key key{k.at(0).get<std::uint16_t>(), k.at(1).get<std::uint16_t>(), k.at(2).get<std::uint16_t>()};
    Set set;
    set.id = s.at("id").get<std::uint64_t>();
    set.timer_id = s.at("timer").get<std::uint64_t>();
    set.first = header_in(s.at("first"));
    for (const auto& p : s.at("parts")) {
      auto body = bytes_in(p.at(1));
      set.bytes += body.size();
      set.parts.emplace(p.at(0).get<std::uint16_t>(), std::move(body));
    }
    bytes_ += set.bytes;
    sets_.emplace(key, std::move(set));
  }
  next_id_ = j.at("next_id").get<std::uint64_t>();
}

Json Outbox::snapshot() const {
  Json inflight = Json::array();
  for (const auto& e : inflight_) {
    inflight.push_back({{"key", e.key},
                        {"msg", message_of(e.msg)},
                        {"acked", e.acked},
                        {"retries_left", e.retries_left},
                        {"timer", e.timer_id}});
  }
  Json queue = Json::array();
  for (const auto& m : queue_) queue.push_back(message_of(m));
  const auto& c = counters_;
  return {{"inflight", std::move(inflight)},
          {"queue", std::move(queue)},
          {"next_key", next_key_},
          {"counters", Json::array({c.sent, c.retransmitted, c.acked, c.given_up, c.dropped, c.resent})}};
}

void Outbox::restore(const Json& j) {
  for (const auto& e : j.at("inflight")) {
    Entry entry;
    entry.key = e.at("key").get<std::uint64_t>();
    entry.msg = message_in(e.at("msg"));
    entry.acked = e.at("acked").get<std::vector<bool>>();
    if (entry.acked.size() != entry.msg.frames.size()) throw std::runtime_error("a downlink's acks do not match");
    entry.retries_left = e.at("retries_left").get<std::uint32_t>();
    entry.timer_id = e.at("timer").get<std::uint64_t>();
    inflight_.push_back(std::move(entry));
  }
  for (const auto& m : j.at("queue")) queue_.push_back(message_in(m));
  next_key_ = j.at("next_key").get<std::uint64_t>();
  const auto& c = j.at("counters");
  counters_ = OutboxCounters{c.at(0).get<std::uint64_t>(), c.at(1).get<std::uint64_t>(), c.at(2).get<std::uint64_t>(),
                             c.at(3).get<std::uint64_t>(), c.at(4).get<std::uint64_t>(), c.at(5).get<std::uint64_t>()};
}

// ---- the session ------------------------------------------------------------------------------

exproto::Status Jt808Session::export_state(std::string& out) {
  Json held = Json::array();
  for (const auto& h : held_) held.push_back(bytes_of(h));
  Json counters = Json::object();
  Counters::each(counters_, [&](const char* name, std::uint64_t value) { counters[name] = value; });
  Json state = {
      {"schema", kSchema},
      {"receiver", receiver_.snapshot()},
      {"reassembler", reassembler_.snapshot()},
      {"outbox", outbox_.snapshot()},
      {"counters", std::move(counters)},
      {"gbk", Json::array({gbk_ ? gbk_->replaced() : 0, gbk_ ? gbk_->refused() : 0})},
      {"state", static_cast<int>(state_)},
      {"held", std::move(held)},
      {"status", status_},
      {"input_done", input_done_},
      {"version", static_cast<int>(version_)},
      {"proto_ver", proto_ver_},
      {"phone", phone_},
      {"next_sn", next_sn_},
      {"clientid", clientid_},
      {"up_topic", up_topic_},
      {"dn_topic", dn_topic_},
      {"registration", registration_ ? Json::array({registration_->phone, registration_->auth_code,
                                                    bytes_of(registration_->payload)})
                                     : Json(nullptr)},
      {"pending_auth", pending_auth_ ? Json::array({pending_auth_->request_id, header_of(pending_auth_->header),
                                                    bytes_of(pending_auth_->payload)})
                                     : Json(nullptr)},
  };
  const auto cbor = Json::to_cbor(state);
  out.assign(cbor.begin(), cbor.end());
  return exproto::kOk;
}

std::unique_ptr<Jt808Session> Jt808Session::import(exproto::SessionHost host, const Config& config,
                                                   std::string_view bytes) {
  const Json j = Json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("session state refused: not a CBOR map");
  const auto schema = j.value("schema", std::string());
  if (schema != kSchema) {
    throw std::runtime_error("session state refused: unknown schema \"" + schema + "\" (this version reads " +
                             kSchema + ")");
  }
  auto s = std::make_unique<Jt808Session>(host, config);
  s->receiver_.restore(j.at("receiver"));
  s->reassembler_.restore(j.at("reassembler"));
  s->outbox_.restore(j.at("outbox"));
  const auto& counters = j.at("counters");
  Counters::each(s->counters_, [&](const char* name, std::uint64_t& value) {
    value = counters.value(name, std::uint64_t{0});  // a counter added later starts at 0
  });
  if (s->gbk_) s->gbk_->carry_counts(j.at("gbk").at(0).get<std::uint64_t>(), j.at("gbk").at(1).get<std::uint64_t>());
  s->state_ = enum_in(j.at("state"), State::authenticated, "session state");
  for (const auto& h : j.at("held")) s->held_.push_back(bytes_in(h));
  s->status_ = j.at("status").get<exproto::Status>();
  s->input_done_ = j.at("input_done").get<bool>();
  s->version_ = enum_in(j.at("version"), Version::v2019, "edition");
  s->proto_ver_ = j.at("proto_ver").get<std::uint8_t>();
  s->phone_ = j.at("phone").get<std::string>();
  s->next_sn_ = j.at("next_sn").get<std::uint16_t>();
  s->clientid_ = j.at("clientid").get<std::string>();
  s->up_topic_ = j.at("up_topic").get<std::string>();
  s->dn_topic_ = j.at("dn_topic").get<std::string>();
  if (const auto& r = j.at("registration"); !r.is_null()) {
    s->registration_ = Registration{r.at(0).get<std::string>(), r.at(1).get<std::string>(), text_in(r.at(2))};
  }
  if (const auto& p = j.at("pending_auth"); !p.is_null()) {
    s->pending_auth_ = PendingAuth{p.at(0).get<std::uint64_t>(), header_in(p.at(1)), text_in(p.at(2))};
  }
  if (s->state_ == State::authenticating && !s->pending_auth_) {
    throw std::runtime_error("session state refused: authenticating without a pending Authenticate");
  }
  return s;
}

}  // namespace jt808
