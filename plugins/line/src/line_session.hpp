// One terminal connection. Lines are handled in order; adapter calls go out at once (the host
// keeps them in order) and every command's answer is written in command order, once the result
// that decides it has come back. While CONNECT waits for EMQX, further lines wait too, so that
// "CONNECT …" and "SUB …" pasted together behave as if typed one after the other.
#pragma once

#include "config.hpp"
#include "line_buffer.hpp"

#include <exproto/codec.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>

namespace line {

class LineSession final : public exproto::Session {
 public:
  /// `datagrams`: each chunk is one UDP/DTLS datagram, whose end also ends its last line.
  LineSession(exproto::SessionHost host, const Config& config, bool datagrams);

  exproto::Status on_bytes(std::span<const std::uint8_t> data) override;
  exproto::Status on_messages(std::span<const exproto::Message> messages) override;
  exproto::Status on_keepalive_timeout() override;
  exproto::Status on_result(const exproto::CallResult& result) override;

  // Hot reload (session_migration.cpp): the state as bytes, and a session continued from them by
  // the next generation (throws exproto::Error naming what is wrong with `state`).
  exproto::Status export_state(std::string& out) override;
  static std::unique_ptr<LineSession> import(exproto::SessionHost host, const Config& config, bool datagrams,
                                             std::string_view state);

 private:
  enum class State { idle, connecting, connected };

  // An answer owed to the terminal, in command order.
  struct Pending {
    enum class Kind { line, connect, ack, close } kind = Kind::line;
    std::string text;               // line / close: what to write (close: before closing)
    std::uint64_t request_id = 0;   // connect / ack: the call whose result decides the answer
    std::optional<std::int32_t> code;
    std::string message;            // EMQX's message for a failed call
  };

  void pump();
  void handle(std::string_view line);
  void fail_line_too_long(std::size_t limit);
  void reply(std::string text);
  void reply_and_close(std::string text);
  void await(Pending::Kind kind, std::uint64_t request_id);
  void flush();
  void settle(const Pending& pending);
  void send(const std::string& text);

  const Config config_;
  LineBuffer input_;
  bool datagrams_;
  // A list, not a deque: an empty std::deque allocates ~600 bytes, and most sessions are idle.
  std::list<Pending> pending_;
  State state_ = State::idle;
  bool input_done_ = false;  // QUIT, an over-long line, or the socket is gone: ignore input
  bool closed_ = false;      // nothing more is written
};

}  // namespace line
