// What the platform sends: replies (0x8001, 0x8100, 0x8004, 0x8800, 0x8003) and downlink commands
// delivered on the down topic in EMQX's JSON. Each gets the session's next msg_sn (or the
// payload's custom msg_sn), the terminal's phone and version; bodies over 1023 bytes are split
// into packages with consecutive serial numbers.
#include "session.hpp"

#include "message_json.hpp"
#include "serials.hpp"

#include <vector>

namespace jt808 {
namespace {
constexpr std::size_t kMaxPackageBody = 1023;
}

void Jt808Session::reply_general(const Header& request, std::uint8_t result) {
  send_platform(0x8001, Json{{"seq", request.msg_sn}, {"id", request.msg_id}, {"result", result}});
}

void Jt808Session::send_platform(std::uint16_t msg_id, const Json& body, std::optional<std::uint16_t> custom_sn) {
  try {
    outbox_.submit(build(msg_id, encode_body(msg_id, body, context(version_)), custom_sn));
  } catch (const BodyError& e) {
    // A reply that cannot be built (e.g. every serial number held by waiting downlinks) is lost,
    // not a reason to fail the terminal's whole read.
    warn("reply msg_id=" + std::to_string(msg_id) + " not sent: " + e.what());
  }
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
  // No two messages may share a msg_sn while one of them waits for its answer, or the terminal's
  // answers (and its 0x0005 requests) become ambiguous. A custom msg_sn is used as is (EMQX) but
  // refused when it would collide; the session's own numbers skip those still held, so they also
  // pass over the packages of a custom-numbered downlink (EMQX neither checks nor skips).
  const auto used = outbox_.serials_in_use();
  std::uint16_t first = 0;
  if (custom_sn) {
    if (serials_taken(*custom_sn, packages, used)) {
      throw BodyError("msg_sn " + std::to_string(*custom_sn) +
                      (packages > 1 ? "…" + std::to_string(static_cast<std::uint16_t>(*custom_sn + packages - 1)) : "") +
                      " is held by a downlink still waiting for its answer");
    }
    first = *custom_sn;
  } else {
    const auto run = free_serials(next_sn_, packages, used);
    if (!run) throw BodyError("no " + std::to_string(packages) + " consecutive free serial numbers");
    first = *run;
    next_sn_ = static_cast<std::uint16_t>(first + packages);
  }
  for (std::size_t i = 0; i < packages; ++i) {
    h.msg_sn = static_cast<std::uint16_t>(first + i);
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
