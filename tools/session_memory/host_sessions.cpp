#include "host_sessions.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>

#include "admin.grpc.pb.h"

namespace exproto::memory {

std::optional<uint64_t> host_sessions(const std::string& admin_address) {
  auto stub = exproto::admin::v1::Admin::NewStub(grpc::CreateChannel(admin_address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  exproto::admin::v1::StatusReply reply;
  if (!stub->Status(&ctx, {}, &reply).ok()) return std::nullopt;
  return reply.sessions();
}

}  // namespace exproto::memory
