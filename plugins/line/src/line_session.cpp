#include "line_session.hpp"

#include "command.hpp"
#include "replies.hpp"

#include <type_traits>

namespace line {
namespace {

// Lines that arrive while CONNECT is pending are held, up to this many times max_line_bytes.
constexpr std::size_t kBacklogLines = 16;

std::string without_cr(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c != '\r') out.push_back(c);
  }
  return out;
}

}  // namespace

LineSession::LineSession(exproto::SessionHost host, const Config& config, bool datagrams)
    : exproto::Session(host), config_(config), datagrams_(datagrams) {}

exproto::Status LineSession::on_bytes(std::span<const std::uint8_t> data) {
  if (input_done_) return exproto::kOk;
  input_.feed(data);
  // `echo PING | nc -u` ends its datagram with a newline, a hand-made datagram may not; either
  // way the datagram is the whole message.
  if (datagrams_ && !data.empty() && data.back() != '\n') {
    static constexpr std::uint8_t kNewline[] = {'\n'};
    input_.feed(kNewline);
  }
  pump();
  return exproto::kOk;
}

void LineSession::pump() {
  while (!input_done_ && state_ != State::connecting) {
    const auto raw = input_.next();
    if (!raw) break;
    const auto text = without_cr(*raw);
    if (text.size() > config_.max_line_bytes) return fail_line_too_long(config_.max_line_bytes);
    handle(text);
  }
  if (input_done_) return;
  if (state_ == State::connecting) {
    if (input_.buffered() > kBacklogLines * config_.max_line_bytes) {
      host().log(exproto::LogLevel::warn, "more than " + std::to_string(kBacklogLines * config_.max_line_bytes) +
                                              " bytes sent while CONNECT was pending; closing");
      input_done_ = true;
      reply_and_close(error_line(kTooLong, "too much input while CONNECT is pending"));
    }
  } else if (input_.buffered() > config_.max_line_bytes + 1) {  // +1: the tail may end in '\r'
    fail_line_too_long(config_.max_line_bytes);
  }
}

void LineSession::fail_line_too_long(std::size_t limit) {
  host().log(exproto::LogLevel::warn, "line longer than max_line_bytes (" + std::to_string(limit) + "); closing");
  input_done_ = true;
  reply_and_close(error_line(kTooLong, "line too long (max " + std::to_string(limit) + " bytes)"));
}

void LineSession::handle(std::string_view text) {
  std::visit(
      [this](auto&& cmd) {
        using T = std::decay_t<decltype(cmd)>;
        auto& h = host();
        const bool connected = state_ == State::connected;
        if constexpr (std::is_same_v<T, EmptyLine>) {
          return;
        } else if constexpr (std::is_same_v<T, BadCommand>) {
          h.log(exproto::LogLevel::debug, cmd.message);
          reply(error_line(kBadCommand, cmd.message));
        } else if constexpr (std::is_same_v<T, PingCmd>) {
          reply(pong_line());
        } else if constexpr (std::is_same_v<T, QuitCmd>) {
          input_done_ = true;
          reply_and_close(ok_line());
        } else if constexpr (std::is_same_v<T, ConnectCmd>) {
          if (connected) return reply(error_line(kAlreadyConnected, "already connected"));
          const exproto::ClientInfo info{"line", "1", cmd.clientid, cmd.username, {}};
          const auto id = h.authenticate(info, cmd.password);
          if (id != 0) state_ = State::connecting;
          await(Pending::Kind::connect, id);
        } else if (!connected) {
          reply(error_line(kNotConnected, "not connected (send CONNECT <clientid> first)"));
        } else if constexpr (std::is_same_v<T, SubCmd>) {
          await(Pending::Kind::ack, h.subscribe(cmd.topic, cmd.qos));
        } else if constexpr (std::is_same_v<T, UnsubCmd>) {
          await(Pending::Kind::ack, h.unsubscribe(cmd.topic));
        } else if constexpr (std::is_same_v<T, PubCmd>) {
          await(Pending::Kind::ack, h.publish(cmd.topic, config_.default_qos, cmd.payload));
        }
      },
      parse_command(text, config_.default_qos));
}

void LineSession::reply(std::string text) {
  pending_.push_back(Pending{Pending::Kind::line, std::move(text), 0, EXPROTO_RESULT_SUCCESS, {}});
  flush();
}

void LineSession::reply_and_close(std::string text) {
  pending_.push_back(Pending{Pending::Kind::close, std::move(text), 0, EXPROTO_RESULT_SUCCESS, {}});
  flush();
}

void LineSession::await(Pending::Kind kind, std::uint64_t request_id) {
  // A refused call (0) was logged by the host; the person still gets an answer in its place.
  if (request_id == 0) return reply(error_line(kRefused, "the gateway refused the request; try again"));
  pending_.push_back(Pending{kind, {}, request_id, std::nullopt, {}});
}

exproto::Status LineSession::on_result(const exproto::CallResult& result) {
  for (auto& p : pending_) {
    if (!p.code && p.request_id == result.request_id) {
      p.code = result.code;
      p.message = std::string(result.message);
      flush();
      pump();  // lines held while CONNECT was pending
      return exproto::kOk;
    }
  }
  if (!result.ok() && result.kind == exproto::CallKind::start_keepalive) {
    host().log(exproto::LogLevel::warn, "StartTimer(keepalive) failed with code " + std::to_string(result.code) +
                                            ": " + std::string(result.message));
  }
  return exproto::kOk;
}

void LineSession::flush() {
  while (!pending_.empty() && pending_.front().code) {
    const Pending p = std::move(pending_.front());
    pending_.pop_front();
    settle(p);
  }
}

void LineSession::settle(const Pending& p) {
  const bool ok = *p.code == EXPROTO_RESULT_SUCCESS;
  switch (p.kind) {
    case Pending::Kind::line:
      send(p.text);
      break;
    case Pending::Kind::connect:
      state_ = ok ? State::connected : State::idle;
      if (ok && config_.keepalive_s > 0 && !closed_) host().start_keepalive(config_.keepalive_s);
      send(ok ? ok_line() : result_error_line(*p.code, p.message));
      break;
    case Pending::Kind::ack:
      send(ok ? ok_line() : result_error_line(*p.code, p.message));
      break;
    case Pending::Kind::close:
      send(p.text);
      if (!closed_) host().close();
      closed_ = true;
      break;
  }
}

exproto::Status LineSession::on_messages(std::span<const exproto::Message> messages) {
  for (const auto& m : messages) send(msg_line(m.topic, m.payload));
  return exproto::kOk;
}

exproto::Status LineSession::on_keepalive_timeout() {
  // EMQX has closed the socket already: nothing written now would arrive.
  host().log(exproto::LogLevel::info, "keepalive timed out");
  input_done_ = true;
  closed_ = true;
  return exproto::kOk;
}

void LineSession::send(const std::string& text) {
  if (!closed_) host().send(text);
}

}  // namespace line
