// One terminal connection. Split by job over three files:
//   session.cpp           frame intake, state checks, sub-packages, uplink dispatch, timers
//   session_auth.cpp      registration and authentication (EMQX's Authenticate behind them)
//   session_downlink.cpp  platform replies, downlink commands from MQTT, framing outgoing messages
#pragma once

#include "body.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "framing.hpp"
#include "gbk.hpp"
#include "header.hpp"
#include "outbox.hpp"
#include "reassembly.hpp"

#include <exproto/codec.hpp>

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace jt808 {

class Jt808Session final : public exproto::Session {
 public:
  /// `config` is owned by the codec instance, which outlives its sessions.
  Jt808Session(exproto::SessionHost host, const Config& config);

  exproto::Status on_bytes(std::span<const std::uint8_t> data) override;
  exproto::Status on_messages(std::span<const exproto::Message> messages) override;
  exproto::Status on_keepalive_timeout() override;
  exproto::Status on_timer(std::uint64_t timer_id, std::uint64_t tag) override;
  exproto::Status on_result(const exproto::CallResult& result) override;
  void on_close(std::string_view reason) override;

  // Hot reload (session_migration.cpp): the whole session as bytes, and a session continued from
  // them by the next generation (throws naming what it cannot read).
  exproto::Status export_state(std::string& out) override;
  static std::unique_ptr<Jt808Session> import(exproto::SessionHost host, const Config& config, std::string_view state);

  static constexpr std::uint64_t kReassemblyTag = 2ull << 56;
  static constexpr std::uint64_t kTagMask = 0xffull << 56;

 private:
  enum class State { connecting, authenticating, authenticated };

  // session.cpp
  void on_frame(std::span<const std::uint8_t> content);
  void on_subpackage(const Header& h, std::span<const std::uint8_t> body);
  void handle(const Header& h, std::span<const std::uint8_t> body, bool reassembled);
  void handle_uplink(const Header& h, const Json& body, bool reassembled);
  void refuse_frame(const std::string& why);  // applies ignore_unsupported_frames
  void drain_held();
  void publish(const Header& h, const Json& body);
  void warn(const std::string& text);
  BodyContext context(Version v) const { return BodyContext{v, config_.bit_order, gbk_.get()}; }

  // session_auth.cpp
  void on_register(const Header& h, const Json& body);
  void on_authenticate(const Header& h, const Json& body);
  void on_auth_result(const exproto::CallResult& result);
  void auth_succeeded();
  void remember_terminal(const Header& h);

  // session_downlink.cpp
  void reply_general(const Header& request, std::uint8_t result);
  void send_platform(std::uint16_t msg_id, const Json& body, std::optional<std::uint16_t> custom_sn = std::nullopt);
  OutgoingMessage build(std::uint16_t msg_id, const Bytes& body, std::optional<std::uint16_t> custom_sn);
  void deliver(std::string_view payload);
  void resend_packages(const Json& request);  // 0x0005

  const Config& config_;
  FrameReceiver receiver_;
  Reassembler reassembler_;
  Outbox outbox_;
  Counters counters_;
  std::unique_ptr<GbkText> gbk_;  // this session's converter when string_encoding is gbk
  State state_ = State::connecting;
  // Frame contents that arrived while Authenticate was pending. A list: an empty std::deque
  // allocates ~600 bytes, and most sessions never hold a frame.
  std::list<Bytes> held_;
  exproto::Status status_ = exproto::kOk;  // set when a frame decides to fail the connection
  bool input_done_ = false;                // after logout: further input is ignored

  // The terminal as seen in its register/auth frames (used for every frame we send).
  Version version_ = Version::v2013;
  std::uint8_t proto_ver_ = 1;
  std::string phone_;
  std::uint16_t next_sn_ = 0;

  struct Registration {
    std::string phone, auth_code, payload;  // payload: the 0x0100 JSON, for publish_control_messages
  };
  std::optional<Registration> registration_;
  struct PendingAuth {
    std::uint64_t request_id = 0;
    Header header;
    std::string payload;  // the 0x0102 JSON, for publish_control_messages
  };
  std::optional<PendingAuth> pending_auth_;
  std::string clientid_, up_topic_, dn_topic_;
};

}  // namespace jt808
