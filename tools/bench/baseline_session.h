// One device connection inside the baseline handler: parses its jsonframe frames and makes the
// resulting ConnectionAdapter calls strictly one after another, in the order they arose.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "exproto.grpc.pb.h"

namespace exproto::bench::baseline {

namespace v1 = emqx::exproto::v1;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::string conn, v1::ConnectionAdapter::Stub& adapter);

  // Handles one OnReceivedBytes chunk (one JSON frame, as EMQX's echo server assumes). Queues
  // the adapter calls and returns without waiting for them. False: not a frame we understand.
  bool on_bytes(std::string_view bytes);
  // OnTimerTimeout(KEEPALIVE): say goodbye and close, like EMQX's echo server.
  void on_keepalive_timeout();
  // OnReceivedMessages: forward each message to the device as a PUBLISH frame.
  void on_message(const v1::Message& message);

 private:
  struct Authenticate {
    v1::ClientInfo clientinfo;
    std::string password;
  };
  struct Publish {
    std::string topic;
    uint32_t qos = 0;
    std::string payload;
  };
  struct Send {
    std::string bytes;
  };
  struct Close {};
  using Step = std::variant<Authenticate, Publish, Send, Close>;

  void enqueue(Step step);
  void pump();
  void issue(Step& step);
  void on_done(const grpc::Status& status);

  const std::string conn_;
  v1::ConnectionAdapter::Stub& adapter_;

  std::mutex mu_;
  std::deque<Step> queue_;
  bool busy_ = false;  // one adapter call in flight: EMQX must see Authenticate before Publish
  // the in-flight call's state; only the thread that issued it or its completion touch these
  std::unique_ptr<grpc::ClientContext> ctx_;
  v1::AuthenticateRequest auth_req_;
  v1::PublishRequest publish_req_;
  v1::SendBytesRequest send_req_;
  v1::CloseSocketRequest close_req_;
  v1::CodeResponse response_;
  enum class Kind { authenticate, publish, send, close } current_ = Kind::send;
};

}  // namespace exproto::bench::baseline
