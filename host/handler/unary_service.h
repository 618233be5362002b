// ConnectionUnaryHandler: each call hands its event to the dispatcher and is answered when the
// event's session accepted it (at once, or later under back-pressure).
#pragma once

#include "exproto.grpc.pb.h"

namespace exproto::host {

class Dispatcher;
class HandlerGuard;

class UnaryService final : public emqx::exproto::v1::ConnectionUnaryHandler::CallbackService {
 public:
  // `guard` decides which calls reach the dispatcher (peer allow-list and limits, request checks).
  UnaryService(Dispatcher& dispatcher, HandlerGuard& guard) : dispatcher_(dispatcher), guard_(guard) {}

  grpc::ServerUnaryReactor* OnSocketCreated(grpc::CallbackServerContext* ctx,
                                            const emqx::exproto::v1::SocketCreatedRequest* req,
                                            emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerUnaryReactor* OnSocketClosed(grpc::CallbackServerContext* ctx,
                                           const emqx::exproto::v1::SocketClosedRequest* req,
                                           emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerUnaryReactor* OnReceivedBytes(grpc::CallbackServerContext* ctx,
                                            const emqx::exproto::v1::ReceivedBytesRequest* req,
                                            emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerUnaryReactor* OnTimerTimeout(grpc::CallbackServerContext* ctx,
                                           const emqx::exproto::v1::TimerTimeoutRequest* req,
                                           emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerUnaryReactor* OnReceivedMessages(grpc::CallbackServerContext* ctx,
                                               const emqx::exproto::v1::ReceivedMessagesRequest* req,
                                               emqx::exproto::v1::EmptySuccess* resp) override;

 private:
  template <class Req>
  grpc::ServerUnaryReactor* forward(grpc::CallbackServerContext* ctx, const Req* req, const char* rpc);
  Dispatcher& dispatcher_;
  HandlerGuard& guard_;
};

}  // namespace exproto::host
