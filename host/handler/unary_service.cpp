#include "host/handler/unary_service.h"

#include <type_traits>

#include "host/handler/handler_guard.h"
#include "host/handler/proto_events.h"
#include "host/session/dispatcher.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

namespace {
// The reactor is gRPC's; Finish is the one thing we owe it, exactly once, from any thread. The
// peer's slot is held until then: a call counts against max_calls_per_peer until answered.
Ack finish_with(grpc::ServerUnaryReactor* reactor, HandlerGuard::SlotPtr slot) {
  return Ack([reactor, slot = std::move(slot)](bool ok, const std::string& error) {
    reactor->Finish(ok ? grpc::Status::OK : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, error));
  });
}
}  // namespace

template <class Req>
grpc::ServerUnaryReactor* UnaryService::forward(grpc::CallbackServerContext* ctx, const Req* req, const char* rpc) {
  auto* reactor = ctx->DefaultReactor();
  const std::string peer = ctx->peer();
  auto slot = guard_.admit(peer, rpc);
  if (!slot) {
    reactor->Finish(slot.error());
    return reactor;
  }
  if (grpc::Status refused = guard_.check(*req, rpc, peer); !refused.ok()) {
    reactor->Finish(refused);
    return reactor;
  }
  if constexpr (std::is_same_v<Req, pb::SocketCreatedRequest>) {
    dispatcher_.created(Origin::unary, req->conn(), to_meta(req->conninfo()), finish_with(reactor, std::move(*slot)));
  } else {
    dispatcher_.event(Origin::unary, req->conn(), to_event(*req), finish_with(reactor, std::move(*slot)));
  }
  return reactor;
}

grpc::ServerUnaryReactor* UnaryService::OnSocketCreated(grpc::CallbackServerContext* ctx,
                                                        const pb::SocketCreatedRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req, "OnSocketCreated");
}

grpc::ServerUnaryReactor* UnaryService::OnSocketClosed(grpc::CallbackServerContext* ctx,
                                                       const pb::SocketClosedRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req, "OnSocketClosed");
}

grpc::ServerUnaryReactor* UnaryService::OnReceivedBytes(grpc::CallbackServerContext* ctx,
                                                        const pb::ReceivedBytesRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req, "OnReceivedBytes");
}

grpc::ServerUnaryReactor* UnaryService::OnTimerTimeout(grpc::CallbackServerContext* ctx,
                                                       const pb::TimerTimeoutRequest* req, pb::EmptySuccess*) {
  return forward(ctx, req, "OnTimerTimeout");
}

grpc::ServerUnaryReactor* UnaryService::OnReceivedMessages(grpc::CallbackServerContext* ctx,
                                                           const pb::ReceivedMessagesRequest* req,
                                                           pb::EmptySuccess*) {
  return forward(ctx, req, "OnReceivedMessages");
}

}  // namespace exproto::host
