// One device connection speaking the echo protocol. Frames are handled as they arrive; adapter
// calls go out at once (the host keeps them in order), and replies are sent strictly in frame
// order once the results that decide them have come back.
#pragma once

#include "config.hpp"
#include "frame_scanner.hpp"
#include "frames.hpp"

#include <exproto/codec.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <optional>

namespace jsonframe {

class JsonFrameSession final : public exproto::Session {
 public:
  /// `datagrams`: each chunk is one UDP/DTLS datagram, which must hold whole frames only.
  JsonFrameSession(exproto::SessionHost host, const Config& config, bool datagrams);

  exproto::Status on_bytes(std::span<const std::uint8_t> data) override;
  exproto::Status on_messages(std::span<const exproto::Message> messages) override;
  exproto::Status on_keepalive_timeout() override;
  exproto::Status on_result(const exproto::CallResult& result) override;

  // Hot reload (session_migration.cpp): the state as bytes, and a session continued from them by
  // the next generation (throws exproto::Error naming what is wrong with `state`).
  exproto::Status export_state(std::string& out) override;
  static std::unique_ptr<JsonFrameSession> import(exproto::SessionHost host, const Config& config, bool datagrams,
                                                  std::string_view state);

 private:
  // A reply owed to the device, in frame order.
  struct Pending {
    enum class Kind { connack, code_reply, close } kind;
    FrameType reply_type = kConnack;  // code_reply: PUBACK, SUBACK or UNSUBACK
    std::uint32_t keepalive_s = 0;    // connack: started after a successful Authenticate
    std::uint64_t request_id = 0;     // the call whose result decides the reply; 0 for close
    std::optional<std::int32_t> code; // set once that result is known
  };

  void dispatch(const DeviceFrame& frame);
  void expect(Pending pending);
  void flush();
  void settle(const Pending& pending);
  void send(const std::string& bytes);
  void close();

  FrameScanner scanner_;
  bool datagrams_;
  // A list, not a deque: an empty std::deque allocates ~600 bytes, and most sessions are idle.
  std::list<Pending> pending_;
  bool input_done_ = false;  // DISCONNECT seen: later bytes are ignored
  bool closed_ = false;      // Close requested: nothing more is sent
};

}  // namespace jsonframe
