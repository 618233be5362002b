// ConnectionUnaryHandler: each call hands its event to the dispatcher and is answered when the
// event's session accepted it (at once, or later under back-pressure).
#pragma once

#include "exproto.grpc.pb.h"

namespace exproto::host {

class Dispatcher;

class UnaryService final : public emqx::exproto::v1::ConnectionUnaryHandler::CallbackService {
 public:
  explicit UnaryService(Dispatcher& dispatcher) : dispatcher_(dispatcher) {}

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
  grpc::ServerUnaryReactor* forward(grpc::CallbackServerContext* ctx, const Req* req);
  Dispatcher& dispatcher_;
};

}  // namespace exproto::host
