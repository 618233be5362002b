#include "session.hpp"

#include "message_json.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace jt808 {
namespace {

std::string hex16(std::uint16_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) s.push_back(kDigits[(v >> shift) & 0xf]);
  return s;
}

// Terminal messages EMQX answers with 0x8001 result 0 after publishing them (notes §11).
bool auto_reply(std::uint16_t msg_id) {
  switch (msg_id) {
    case 0x0005:
    case 0x0200:
    case 0x0301:
    case 0x0303:
    case 0x0701:
    case 0x0704:
    case 0x0705:
    case 0x0800:
    case 0x0900:
    case 0x0901:
      return true;
    default:
      return false;
  }
}

std::optional<std::uint16_t> reply_serial(const Json& body) {
  if (body.is_object() && body.contains("seq") && body["seq"].is_number_unsigned()) {
    return static_cast<std::uint16_t>(body["seq"].get<std::uint64_t>());
  }
  return std::nullopt;
}

}  // namespace

Jt808Session::Jt808Session(exproto::SessionHost host, const Config& config)
    : exproto::Session(host),
      config_(config),
      receiver_(config.max_frame_bytes),
      reassembler_(config.subpackage),
      outbox_(config, OutboxPort{
                          [this](const Bytes& frame) { this->host().send(std::span<const std::uint8_t>(frame)); },
                          [this](std::uint64_t tag) { return this->host().timer_start(config_.retry_interval_ms, tag); },
                          [this](std::uint64_t id) { this->host().timer_cancel(id); },
                          [this](const std::string& text) { this->host().log(exproto::LogLevel::info, text); },
                      }) {
  // Per session: an iconv descriptor must not be shared by sessions running on other threads.
  if (config.string_encoding == StringEncoding::gbk) gbk_ = std::make_unique<GbkText>();
}

exproto::Status Jt808Session::on_bytes(std::span<const std::uint8_t> data) {
  if (input_done_) return exproto::kOk;
  const FrameReceiver::Sink sink{
      [this](std::span<const std::uint8_t> content) { on_frame(content); },
      [this](FrameFault f) {
        auto& counter = f == FrameFault::bad_check    ? counters_.bad_check
                        : f == FrameFault::bad_escape ? counters_.bad_escape
                                                      : counters_.too_short;
        ++counter;
        refuse_frame(f == FrameFault::bad_check    ? "frame dropped: bad check code"
                     : f == FrameFault::bad_escape ? "frame dropped: invalid escape after 0x7d"
                                                   : "frame dropped: shorter than a header");
      },
      [this](std::size_t n) { counters_.garbage_bytes += n; },
  };
  if (!receiver_.feed(data, sink)) {
    host().log(exproto::LogLevel::warn, "frame longer than max_frame_bytes=" + std::to_string(config_.max_frame_bytes) +
                                            "; closing the connection");
    return exproto::kLimit;
  }
  return status_;
}

void Jt808Session::on_frame(std::span<const std::uint8_t> content) {
  if (input_done_ || status_ != exproto::kOk) return;
  if (state_ == State::authenticating) {
    // Held until EMQX decides, so that frames are handled in order and as the authenticated client.
    if (held_.size() >= config_.max_pending_frames) {
      host().log(exproto::LogLevel::warn, "more than " + std::to_string(config_.max_pending_frames) +
                                              " frames while authentication is pending; closing");
      status_ = exproto::kLimit;
      receiver_.stop();
      return;
    }
    held_.emplace_back(content.begin(), content.end());
    return;
  }
  HeaderFault fault{};
  const auto frame = parse_frame(content, &fault);
  if (!frame) {
    ++(fault == HeaderFault::truncated ? counters_.truncated : counters_.length_mismatch);
    refuse_frame(fault == HeaderFault::truncated ? "frame dropped: body shorter than its length field"
                                                 : "frame dropped: body longer than its length field");
    return;
  }
  ++counters_.frames;
  const auto& h = frame->header;
  if (state_ == State::authenticated) {
    if (h.phone != phone_) {
      ++counters_.foreign_phone;
      refuse_frame("frame from phone " + h.phone + " on the connection of " + phone_ + " ignored");
      return;
    }
  } else if (h.msg_id != 0x0100 && h.msg_id != 0x0102 && h.msg_id != 0x0003) {
    ++counters_.unsupported;
    refuse_frame("message " + hex16(h.msg_id) + " before authentication ignored");
    return;
  }
  if (h.subpackage && config_.subpackage.reassemble) {
    on_subpackage(h, frame->body);
  } else {
    handle(h, frame->body, false);
  }
}

void Jt808Session::on_subpackage(const Header& h, std::span<const std::uint8_t> body) {
  ++counters_.packages;
  // Every package is answered, so the terminal's own retransmission stops per package.
  reply_general(h, 0);
  auto out = reassembler_.add(h, body);
  using Kind = Reassembler::Outcome::Kind;
  if (out.timer_id != 0) host().timer_cancel(out.timer_id);
  switch (out.kind) {
    case Kind::invalid:
    case Kind::over_limit:
      ++counters_.package_dropped;
      warn("package " + std::to_string(h.frag_sn) + "/" + std::to_string(h.frag_total) + " of " + hex16(h.msg_id) +
           (out.kind == Kind::invalid ? " has an invalid package item; dropped"
                                      : " exceeds the sub-package limits; its message is dropped"));
      return;
    case Kind::incomplete:
      if (out.started) {
        const auto id = host().timer_start(config_.subpackage.timeout_ms, kReassemblyTag | out.set_id);
        if (id != 0) {
          reassembler_.set_timer(out.set_id, id);
        } else {
          // A set that can never expire would hold its slot until the connection ends.
          reassembler_.expire(out.set_id);
          ++counters_.package_dropped;
          warn("no timer available for an incomplete message; package dropped");
        }
      }
      return;
    case Kind::complete:
      ++counters_.reassembled;
      handle(out.header, out.body, true);
      return;
  }
}

void Jt808Session::handle(const Header& h, std::span<const std::uint8_t> body, bool reassembled) {
  Json json;
  const auto replaced_before = gbk_ ? gbk_->replaced() : 0;
  try {
    json = decode_body(h.msg_id, body, context(h.version));
  } catch (const BodyError& e) {
    ++counters_.bad_body;
    refuse_frame("message " + hex16(h.msg_id) + " msg_sn=" + std::to_string(h.msg_sn) +
                 " dropped: body does not match its id: " + e.what());
    return;
  }
  if (gbk_ && gbk_->replaced() != replaced_before) {
    host().log(exproto::LogLevel::debug, "message " + hex16(h.msg_id) + " msg_sn=" + std::to_string(h.msg_sn) + ": " +
                                             std::to_string(gbk_->replaced() - replaced_before) +
                                             " byte(s) of text that are not GBK replaced with U+FFFD");
  }
  switch (h.msg_id) {
    case 0x0100:
      return on_register(h, json);
    case 0x0102:
      return on_authenticate(h, json);
    case 0x0003:
      if (state_ == State::authenticated && config_.publish_control_messages) publish(h, json);
      host().log(exproto::LogLevel::info, "terminal " + h.phone + " logged out; closing");
      input_done_ = true;
      receiver_.stop();
      host().close();
      return;
    default:
      return handle_uplink(h, json, reassembled);
  }
}

void Jt808Session::handle_uplink(const Header& h, const Json& body, bool reassembled) {
  switch (h.msg_id) {
    case 0x0001:
      outbox_.general_response(static_cast<std::uint16_t>(body["id"].get<std::uint64_t>()),
                               static_cast<std::uint16_t>(body["seq"].get<std::uint64_t>()));
      if (config_.publish_control_messages) publish(h, body);
      return;
    case 0x0002:
      if (config_.publish_control_messages) publish(h, body);
      reply_general(h, 0);
      return;
    case 0x0004: {
      if (config_.publish_control_messages) publish(h, body);
      const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
      std::tm utc{};
      gmtime_r(&now, &utc);
      char text[64];
      std::snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02d", utc.tm_year % 100, utc.tm_mon + 1, utc.tm_mday,
                    utc.tm_hour, utc.tm_min, utc.tm_sec);
      send_platform(0x8004, Json{{"time", text}});
      return;
    }
    case 0x0A00:
      // EMQX's stub, kept for terminals that wait for it: not published, answered with the
      // platform key e = 0, n = 128 zero bytes. Encryption itself is not implemented.
      send_platform(0x8A00, Json{{"e", 0}, {"n", std::string(128, '\0')}});
      return;
    default:
      break;
  }
  publish(h, body);
  // A package already had its 0x8001; the whole message gets only its specific answer.
  if (h.msg_id == 0x0801) {
    send_platform(0x8800, Json{{"mm_id", body["id"]}, {"retx_ids", Json::array()}});
  } else if (h.msg_id == 0x0702) {
    if (!outbox_.in_flight(0x8702) && !reassembled) reply_general(h, 0);
  } else if (auto_reply(h.msg_id) && !reassembled) {
    reply_general(h, 0);
  } else if (config_.reply_unknown_messages && find_body(h.msg_id) == nullptr && !reassembled) {
    reply_general(h, 3);  // "not supported"
  }
  if (h.msg_id == 0x0005) resend_packages(body);
  outbox_.answer(h.msg_id, reply_serial(body));
}

void Jt808Session::publish(const Header& h, const Json& body) {
  if (host().publish(up_topic_, config_.up_qos, uplink_payload(h, body)) == 0) {
    ++counters_.failed_calls;
  } else {
    ++counters_.published;
  }
}

void Jt808Session::refuse_frame(const std::string& why) {
  if (config_.ignore_unsupported_frames) {
    host().log(exproto::LogLevel::debug, why);
    return;
  }
  host().log(exproto::LogLevel::warn, why + "; closing (ignore_unsupported_frames=false)");
  status_ = exproto::kInvalidInput;
  receiver_.stop();
}

void Jt808Session::warn(const std::string& text) { host().log(exproto::LogLevel::warn, text); }

void Jt808Session::drain_held() {
  while (!held_.empty() && state_ != State::authenticating && !input_done_ && status_ == exproto::kOk) {
    const auto content = std::move(held_.front());
    held_.pop_front();
    on_frame(content);
  }
}

exproto::Status Jt808Session::on_timer(std::uint64_t /*timer_id*/, std::uint64_t tag) {
  const auto key = tag & ~kTagMask;
  if ((tag & kTagMask) == Outbox::kTagKind) {
    outbox_.on_timer(key);
  } else if ((tag & kTagMask) == kReassemblyTag) {
    if (auto expired = reassembler_.expire(key)) {
      counters_.package_dropped += expired->first.frag_total - expired->missing.size();
      warn("incomplete message " + hex16(expired->first.msg_id) + " (first msg_sn " +
           std::to_string(expired->first.msg_sn) + ", " + std::to_string(expired->missing.size()) + " of " +
           std::to_string(expired->first.frag_total) + " packages missing) expired");
      if (config_.subpackage.request_missing && state_ == State::authenticated) {
        send_platform(0x8003, Json{{"seq", expired->first.msg_sn}, {"ids", expired->missing}});
      }
    }
  }
  return status_;
}

exproto::Status Jt808Session::on_result(const exproto::CallResult& result) {
  if (pending_auth_ && result.request_id == pending_auth_->request_id) {
    on_auth_result(result);
    drain_held();
    return status_;
  }
  if (result.ok()) return exproto::kOk;
  switch (result.kind) {
    case exproto::CallKind::publish:
      ++counters_.failed_calls;
      host().log(exproto::LogLevel::debug, "publish refused by EMQX (code " + std::to_string(result.code) +
                                               "): " + std::string(result.message));
      break;
    case exproto::CallKind::subscribe:
      ++counters_.failed_calls;
      warn("subscribing " + dn_topic_ + " failed (code " + std::to_string(result.code) +
           "): downlinks will not arrive: " + std::string(result.message));
      break;
    default:
      host().log(exproto::LogLevel::debug, "host call failed (code " + std::to_string(result.code) +
                                               "): " + std::string(result.message));
      break;
  }
  return exproto::kOk;
}

exproto::Status Jt808Session::on_keepalive_timeout() {
  host().log(exproto::LogLevel::info, "keepalive timeout for terminal " + phone_);
  input_done_ = true;
  return exproto::kOk;
}

void Jt808Session::on_close(std::string_view reason) {
  if (reason == "host:migrated") return;  // the session goes on in the next generation
  host().log(exproto::LogLevel::info, "closed (" + std::string(reason) + "): " + counters_.summary() +
                                          " downlinks_sent=" + std::to_string(outbox_.counters().sent) +
                                          " retransmitted=" + std::to_string(outbox_.counters().retransmitted) +
                                          " acked=" + std::to_string(outbox_.counters().acked) +
                                          " given_up=" + std::to_string(outbox_.counters().given_up) +
                                          " dropped=" + std::to_string(outbox_.counters().dropped) +
                                          " packages_resent=" + std::to_string(outbox_.counters().resent) +
                                          (gbk_ ? " gbk_replaced=" + std::to_string(gbk_->replaced()) +
                                                      " gbk_refused=" + std::to_string(gbk_->refused())
                                                : std::string()));
}

}  // namespace jt808
