#include "baseline_handler.h"

#include <grpcpp/grpcpp.h>

#include <array>
#include <functional>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "baseline_session.h"

namespace exproto::bench::baseline {
namespace {

// Sharded so OnReceivedBytes of different conns rarely meet on one lock.
class SessionTable {
 public:
  explicit SessionTable(std::vector<std::unique_ptr<v1::ConnectionAdapter::Stub>>& adapters)
      : adapters_(adapters) {}

  std::shared_ptr<Session> open(const std::string& conn) {
    Shard& shard = shard_of(conn);
    std::lock_guard lock(shard.mu);
    auto& slot = shard.sessions[conn];
    if (!slot) slot = std::make_shared<Session>(conn, adapter_for(conn));
    return slot;
  }

  // Events for a conn we never saw (e.g. after a restart) get a fresh session: the baseline
  // has no policy layer, and the bench never does this.
  std::shared_ptr<Session> find_or_open(const std::string& conn) { return open(conn); }

  void close(const std::string& conn) {
    Shard& shard = shard_of(conn);
    std::lock_guard lock(shard.mu);
    shard.sessions.erase(conn);
  }

 private:
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::shared_ptr<Session>> sessions;
  };
  Shard& shard_of(const std::string& conn) { return shards_[std::hash<std::string>{}(conn) % shards_.size()]; }
  v1::ConnectionAdapter::Stub& adapter_for(const std::string& conn) {
    return *adapters_[std::hash<std::string>{}(conn) / shards_.size() % adapters_.size()];
  }

  std::vector<std::unique_ptr<v1::ConnectionAdapter::Stub>>& adapters_;
  std::array<Shard, 32> shards_;
};

class UnaryHandler final : public v1::ConnectionUnaryHandler::CallbackService {
 public:
  explicit UnaryHandler(SessionTable& sessions) : sessions_(sessions) {}

  grpc::ServerUnaryReactor* OnSocketCreated(grpc::CallbackServerContext* ctx, const v1::SocketCreatedRequest* req,
                                            v1::EmptySuccess*) override {
    sessions_.open(req->conn());
    return finish(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* OnReceivedBytes(grpc::CallbackServerContext* ctx, const v1::ReceivedBytesRequest* req,
                                            v1::EmptySuccess*) override {
    bool ok = sessions_.find_or_open(req->conn())->on_bytes(req->bytes());
    // an error makes EMQX close the device, which is what a malformed frame deserves
    return finish(ctx, ok ? grpc::Status::OK : grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad frame"));
  }
  grpc::ServerUnaryReactor* OnTimerTimeout(grpc::CallbackServerContext* ctx, const v1::TimerTimeoutRequest* req,
                                           v1::EmptySuccess*) override {
    sessions_.find_or_open(req->conn())->on_keepalive_timeout();
    return finish(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* OnReceivedMessages(grpc::CallbackServerContext* ctx,
                                               const v1::ReceivedMessagesRequest* req, v1::EmptySuccess*) override {
    auto session = sessions_.find_or_open(req->conn());
    for (const auto& m : req->messages()) session->on_message(m);
    return finish(ctx, grpc::Status::OK);
  }
  grpc::ServerUnaryReactor* OnSocketClosed(grpc::CallbackServerContext* ctx, const v1::SocketClosedRequest* req,
                                           v1::EmptySuccess*) override {
    sessions_.close(req->conn());
    return finish(ctx, grpc::Status::OK);
  }

 private:
  static grpc::ServerUnaryReactor* finish(grpc::CallbackServerContext* ctx, const grpc::Status& status) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }
  SessionTable& sessions_;
};

std::vector<std::unique_ptr<v1::ConnectionAdapter::Stub>> adapter_stubs(const BaselineSettings& s) {
  std::vector<std::unique_ptr<v1::ConnectionAdapter::Stub>> stubs;
  for (int i = 0; i < std::max(1, s.adapter_channels); ++i) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one TCP connection per channel
    args.SetInt("exproto_baseline.channel", i);
    stubs.push_back(v1::ConnectionAdapter::NewStub(
        grpc::CreateCustomChannel(s.adapter, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

}  // namespace

struct BaselineHandler::Impl {
  explicit Impl(const BaselineSettings& s) : adapters(adapter_stubs(s)), sessions(adapters), service(sessions) {}
  std::vector<std::unique_ptr<v1::ConnectionAdapter::Stub>> adapters;
  SessionTable sessions;
  UnaryHandler service;
  std::unique_ptr<grpc::Server> server;
};

BaselineHandler::BaselineHandler(const BaselineSettings& s) : impl_(std::make_unique<Impl>(s)) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(s.bind, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&impl_->service);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // EMQX's HTTP/2 client pings every 60 s; never answer that with GOAWAY
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port == 0) throw std::runtime_error("cannot listen on " + s.bind);
}

BaselineHandler::~BaselineHandler() {
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
}

}  // namespace exproto::bench::baseline
