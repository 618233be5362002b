#include "adapter_service.hpp"

#include "exproto.grpc.pb.h"
#include "gateway_core.hpp"

#include <boost/asio/post.hpp>
#include <grpcpp/grpcpp.h>

namespace exproto::devgw {

namespace pb = emqx::exproto::v1;
namespace asio = boost::asio;

namespace {

class AdapterService final : public pb::ConnectionAdapter::CallbackService {
 public:
  AdapterService(asio::io_context& io, GatewayCore& core) : io_(io), core_(core) {}

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* ctx, const pb::SendBytesRequest* req,
                                 pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.send(req->conn(), req->bytes()); });
  }
  grpc::ServerUnaryReactor* Close(grpc::CallbackServerContext* ctx, const pb::CloseSocketRequest* req,
                                  pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.close(req->conn()); });
  }
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx, const pb::AuthenticateRequest* req,
                                         pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] {
      std::optional<ClientInfo> info;
      if (req->has_clientinfo()) {
        const auto& c = req->clientinfo();
        info = ClientInfo{c.proto_name(), c.proto_ver(), c.clientid(), c.username(), c.mountpoint()};
      }
      return core_.authenticate(req->conn(), info, req->password());
    });
  }
  grpc::ServerUnaryReactor* StartTimer(grpc::CallbackServerContext* ctx, const pb::TimerRequest* req,
                                       pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.start_timer(req->conn(), req->type(), req->interval()); });
  }
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* ctx, const pb::PublishRequest* req,
                                    pb::CodeResponse* resp) override {
    return answer(ctx, resp,
                  [this, req] { return core_.publish(req->conn(), req->topic(), req->qos(), req->payload()); });
  }
  grpc::ServerUnaryReactor* RawPublish(grpc::CallbackServerContext* ctx, const pb::RawPublishRequest* req,
                                       pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.raw_publish(req->topic(), req->qos(), req->payload()); });
  }
  grpc::ServerUnaryReactor* Subscribe(grpc::CallbackServerContext* ctx, const pb::SubscribeRequest* req,
                                      pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.subscribe(req->conn(), req->topic(), req->qos()); });
  }
  grpc::ServerUnaryReactor* Unsubscribe(grpc::CallbackServerContext* ctx, const pb::UnsubscribeRequest* req,
                                        pb::CodeResponse* resp) override {
    return answer(ctx, resp, [this, req] { return core_.unsubscribe(req->conn(), req->topic()); });
  }

 private:
  // gRPC owns the default reactor; Finish may be called from any thread, here the I/O thread
  // once the core has answered. Request/response stay valid until Finish.
  template <class Fn>
  grpc::ServerUnaryReactor* answer(grpc::CallbackServerContext* ctx, pb::CodeResponse* resp, Fn fn) {
    auto* reactor = ctx->DefaultReactor();
    asio::post(io_, [reactor, resp, fn = std::move(fn)] {
      const CallResult result = fn();
      if (result.grpc_status != 0) {
        reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(result.grpc_status), result.grpc_message));
        return;
      }
      resp->set_code(static_cast<pb::ResultCode>(result.code));
      if (!result.message.empty()) resp->set_message(result.message);
      reactor->Finish(grpc::Status::OK);
    });
    return reactor;
  }

  asio::io_context& io_;
  GatewayCore& core_;
};

}  // namespace

struct AdapterServer::Impl {
  Impl(asio::io_context& io, GatewayCore& core) : service(io, core) {}
  AdapterService service;
  std::unique_ptr<grpc::Server> server;
};

std::expected<std::unique_ptr<AdapterServer>, std::string> AdapterServer::start(
    const std::string& bind, std::shared_ptr<grpc::ServerCredentials> credentials, asio::io_context& io,
    GatewayCore& core) {
  auto impl = std::make_unique<Impl>(io, core);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(bind, std::move(credentials), &port);
  builder.RegisterService(&impl->service);
  builder.SetMaxReceiveMessageSize(-1);
  impl->server = builder.BuildAndStart();
  if (!impl->server || port == 0) return std::unexpected("ConnectionAdapter server: cannot bind '" + bind + "'");
  return std::unique_ptr<AdapterServer>(new AdapterServer(std::move(impl), static_cast<std::uint16_t>(port)));
}

AdapterServer::AdapterServer(std::unique_ptr<Impl> impl, std::uint16_t port) : impl_(std::move(impl)), port_(port) {}

AdapterServer::~AdapterServer() = default;

void AdapterServer::shutdown(std::chrono::milliseconds grace) {
  if (impl_->server) impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
}

}  // namespace exproto::devgw
