// What the platform sends: replies (0x8001, 0x8100, 0x8004, 0x8800, 0x8003) and downlink commands
// delivered on the down topic in EMQX's JSON. Each gets the session's next msg_sn (or the
// payload's custom msg_sn), the terminal's phone and version; bodies over 1023 bytes are split
// into packages with consecutive serial numbers.
#include "session.hpp"

#include "message_json.hpp"

#include <vector>

namespace jt808 {
namespace {
constexpr std::size_t kMaxPackageBody = 1023;
}

void Jt808Session::reply_general(const Header& request, std::uint8_t result) {
  send_platform(0x8001, Json{{"seq", request.msg_sn}, {"id", request.msg_id}, {"result", result}});
}

void Jt808Session::send_platform(std::uint16_t msg_id, const Json& body, std::optional<std::uint16_t> custom_sn) {
  outbox_.submit(build(msg_id, encode_body(msg_id, body, context(version_)), custom_sn));
}

OutgoingMessage Jt808Session::build(std::uint16_t msg_id, const Bytes& body, std::optional<std::uint16_t> custom_sn) {
  const auto packages = body.empty() ? std::size_t{1} : (body.size() + kMaxPackageBody - 1) / kMaxPackageBody;
  if (packages > 0xffff) throw BodyError("body too large to split into packages");
  OutgoingMessage out;
  out.msg_id = msg_id;
  Header h;
  h.msg_id = msg_id;
  h.version = version_;
  h.proto_ver = proto_ver_;
  h.phone = phone_;
  h.subpackage = packages > 1;
  h.frag_total = static_cast<std::uint16_t>(packages);
  for (std::size_t i = 0; i < packages; ++i) {
    // A custom msg_sn is used as is and does not advance the session counter (as EMQX).
    h.msg_sn = custom_sn ? static_cast<std::uint16_t>(*custom_sn + i) : next_sn_++;
    h.frag_sn = static_cast<std::uint16_t>(i + 1);
    const auto begin = std::min(body.size(), i * kMaxPackageBody);
    const auto end = std::min(body.size(), begin + kMaxPackageBody);
    const auto content =
        serialize_message(h, std::span<const std::uint8_t>(body).subspan(begin, end - begin));
    out.sns.push_back(h.msg_sn);
    out.frames.push_back(frame_bytes(content));
  }
  return out;
}

exproto::Status Jt808Session::on_messages(std::span<const exproto::Message> messages) {
  for (const auto& m : messages) deliver(m.payload);
  return status_;
}

void Jt808Session::resend_packages(const Json& request) {
  std::vector<std::uint16_t> packages;
  for (const auto& id : request["ids"]) packages.push_back(static_cast<std::uint16_t>(id.get<std::uint64_t>()));
  const auto seq = static_cast<std::uint16_t>(request["seq"].get<std::uint64_t>());
  if (!outbox_.resend(seq, packages)) {
    host().log(exproto::LogLevel::debug, "0x0005 names msg_sn=" + std::to_string(seq) +
                                             ", which is no downlink waiting for its answer; nothing re-sent");
  }
}

void Jt808Session::deliver(std::string_view payload) {
  if (state_ != State::authenticated) return;  // cannot happen: subscribed only after auth
  try {
    const auto cmd = parse_downlink(payload);
    if (cmd.msg_id < 0x8000) throw BodyError("msg_id " + std::to_string(cmd.msg_id) + " is not a platform message");
    auto msg = build(cmd.msg_id, encode_body(cmd.msg_id, cmd.body, context(version_)), cmd.msg_sn);
    if (!outbox_.submit(std::move(msg))) {
      warn("downlink msg_id=" + std::to_string(cmd.msg_id) + " dropped: message_queue_len=" +
           std::to_string(config_.message_queue_len) + " reached");
    }
  } catch (const BodyError& e) {
    ++counters_.bad_downlink;
    warn(std::string("downlink dropped: ") + e.what());
  }
}

}  // namespace jt808
