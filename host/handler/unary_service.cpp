#include "host/handler/unary_service.h"

#include "host/handler/proto_events.h"
#include "host/session/dispatcher.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

namespace {
// The reactor is gRPC's; Finish is the one thing we owe it, exactly once, from any thread.
Ack finish_with(grpc::ServerUnaryReactor* reactor) {
  return Ack([reactor](bool ok, const std::string& error) {
    reactor->Finish(ok ? grpc::Status::OK : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, error));
  });
}
}  // namespace

template <class Req>
grpc::ServerUnaryReactor* UnaryService::forward(grpc::CallbackServerContext* ctx, const Req* req) {
  auto* reactor = ctx->DefaultReactor();
  dispatcher_.event(Origin::unary, req->conn(), to_event(*req), finish_with(reactor));
  return reactor;
}

grpc::ServerUnaryReactor* UnaryService::OnSocketCreated(grpc::CallbackServerContext* ctx,
                                                        const pb::SocketCreatedRequest* req, pb::EmptySuccess*) {
  auto* reactor = ctx->DefaultReactor();
  dispatcher_.created(Origin::unary, req->conn(), to_meta(req->conninfo()), finish_with(reactor));
  return reactor;
}

grpc::ServerUnaryReactor* UnaryService::OnSocketClosed(grpc::CallbackServerContext* ctx,
                                                       const pb::SocketClosedRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req);
}

grpc::ServerUnaryReactor* UnaryService::OnReceivedBytes(grpc::CallbackServerContext* ctx,
                                                        const pb::ReceivedBytesRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req);
}

grpc::ServerUnaryReactor* UnaryService::OnTimerTimeout(grpc::CallbackServerContext* ctx,
                                                       const pb::TimerTimeoutRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req);
}

grpc::ServerUnaryReactor* UnaryService::OnReceivedMessages(grpc::CallbackServerContext* ctx,
                                                           const pb::ReceivedMessagesRequest* req,
                                                           pb::EmptySuccess*) {
  return forward(ctx, req);
}

}  // namespace exproto::host
