#include "jsonframe_session.hpp"

#include <string>
#include <type_traits>

namespace jsonframe {
namespace {

// What a refused call (request id 0) counts as: the host already logged why, and the device
// learns of it through a failure code like any other.
constexpr std::int32_t kRefused = EXPROTO_RESULT_UNKNOWN;

std::string byte_text(unsigned char b) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  s.push_back(kHex[b >> 4]);
  s.push_back(kHex[b & 0xF]);
  return s;
}

}  // namespace

JsonFrameSession::JsonFrameSession(exproto::SessionHost host, const Config& config, bool datagrams)
    : exproto::Session(host), scanner_(config.max_frame_bytes), datagrams_(datagrams) {}

exproto::Status JsonFrameSession::on_bytes(std::span<const std::uint8_t> data) {
  if (input_done_) return exproto::kOk;
  scanner_.feed(data);
  while (!input_done_) {
    const auto step = scanner_.next();
    switch (step.status) {
      case FrameScanner::Status::frame:
        dispatch(decode_device_frame(step.frame));
        break;
      case FrameScanner::Status::incomplete:
        // A datagram is never continued by the next one (and may arrive out of order), so a
        // frame cut at its end is lost, not pending.
        if (datagrams_ && scanner_.buffered() > 0) {
          throw exproto::Error(exproto::kInvalidInput, "bad frame: datagram ends inside a frame (" +
                                                           std::to_string(scanner_.buffered()) + " bytes)");
        }
        return exproto::kOk;
      case FrameScanner::Status::stray_byte:
        throw exproto::Error(exproto::kInvalidInput,
                             "bad frame: expected '{' to start a frame, got byte " + byte_text(step.byte));
      case FrameScanner::Status::too_large:
        throw exproto::Error(exproto::kLimit, "bad frame: frame exceeds max_frame_bytes (" +
                                                  std::to_string(scanner_.buffered()) + "+ bytes buffered)");
      case FrameScanner::Status::too_deep:
        throw exproto::Error(exproto::kLimit, "bad frame: nested deeper than " +
                                                  std::to_string(FrameScanner::kMaxNesting) + " levels");
    }
  }
  return exproto::kOk;
}

void JsonFrameSession::dispatch(const DeviceFrame& frame) {
  std::visit(
      [this](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        auto& h = host();
        if constexpr (std::is_same_v<T, ConnectFrame>) {
          const exproto::ClientInfo info{f.proto_name, f.proto_ver, f.clientid, f.username, f.mountpoint};
          expect({Pending::Kind::connack, kConnack, f.keepalive_s, h.authenticate(info, f.password), {}});
        } else if constexpr (std::is_same_v<T, PublishFrame>) {
          const auto id = f.raw ? h.raw_publish(f.topic, f.qos, f.payload) : h.publish(f.topic, f.qos, f.payload);
          expect({Pending::Kind::code_reply, kPuback, 0, id, {}});
        } else if constexpr (std::is_same_v<T, SubscribeFrame>) {
          expect({Pending::Kind::code_reply, kSuback, 0, h.subscribe(f.topic, f.qos), {}});
        } else if constexpr (std::is_same_v<T, UnsubscribeFrame>) {
          expect({Pending::Kind::code_reply, kUnsuback, 0, h.unsubscribe(f.topic), {}});
        } else {
          input_done_ = true;
          expect({Pending::Kind::close, kConnack, 0, 0, EXPROTO_RESULT_SUCCESS});
        }
      },
      frame);
}

void JsonFrameSession::expect(Pending pending) {
  if (pending.kind != Pending::Kind::close && pending.request_id == 0) pending.code = kRefused;
  pending_.push_back(std::move(pending));
  flush();
}

exproto::Status JsonFrameSession::on_result(const exproto::CallResult& result) {
  for (auto& p : pending_) {
    if (!p.code && p.request_id == result.request_id) {
      p.code = result.code;
      flush();
      return exproto::kOk;
    }
  }
  // Results of sends, closes and keepalive starts need no answer to the device.
  if (!result.ok() && result.kind == exproto::CallKind::start_keepalive) {
    host().log(exproto::LogLevel::warn,
               "StartTimer(keepalive) failed with code " + std::to_string(result.code) + ": " +
                   std::string(result.message));
  }
  return exproto::kOk;
}

void JsonFrameSession::flush() {
  while (!pending_.empty() && pending_.front().code) {
    const Pending p = pending_.front();
    pending_.pop_front();
    settle(p);
  }
}

void JsonFrameSession::settle(const Pending& p) {
  const bool ok = *p.code == EXPROTO_RESULT_SUCCESS;
  switch (p.kind) {
    case Pending::Kind::connack:
      if (ok) {
        if (p.keepalive_s != 0 && !closed_) host().start_keepalive(p.keepalive_s);
        send(encode_code_frame(kConnack, 0));
      } else {
        send(encode_code_frame(kConnack, 1));
        close();
      }
      break;
    case Pending::Kind::code_reply:
      send(encode_code_frame(p.reply_type, ok ? 0 : 1));
      break;
    case Pending::Kind::close:
      close();
      break;
  }
}

exproto::Status JsonFrameSession::on_messages(std::span<const exproto::Message> messages) {
  for (const auto& m : messages) send(encode_publish(m.topic, m.qos, m.payload));
  return exproto::kOk;
}

exproto::Status JsonFrameSession::on_keepalive_timeout() {
  // EMQX has already closed the socket; the echo server answers anyway, and so do we, so that a
  // transport that still delivers (a future host-owned socket) sees the same bytes.
  send(encode_disconnect());
  close();
  return exproto::kOk;
}

void JsonFrameSession::send(const std::string& bytes) {
  if (!closed_) host().send(bytes);
}

void JsonFrameSession::close() {
  if (closed_) return;
  closed_ = true;
  input_done_ = true;
  host().close();
}

}  // namespace jsonframe
