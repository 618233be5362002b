#include "adapter_service.hpp"

#include "adapter_pacer.hpp"
#include "adapter_tally.hpp"
#include "exproto.grpc.pb.h"
#include "gateway_core.hpp"

#include <boost/asio/post.hpp>
#include <grpcpp/grpcpp.h>

#include <atomic>

namespace exproto::devgw {

namespace pb = emqx::exproto::v1;
namespace asio = boost::asio;

namespace {

// One call's reactor. gRPC reports a cancel (client deadline or reset, server shutdown) on its
// own threads, possibly while the call waits in the pacer; the cancel is counted at once, so
// tests can wait for it, and whichever of answer and cancel comes first decides the call.
class CallReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit CallReactor(AdapterTally& tally) : tally_(tally) {}

  /// True if the call may still be answered (and from now on cannot count as cancelled).
  bool claim() {
    State expected = State::waiting;
    return state_.compare_exchange_strong(expected, State::claimed);
  }
  void OnCancel() override {
    State expected = State::waiting;
    if (state_.compare_exchange_strong(expected, State::cancelled)) tally_.cancelled();
  }
  void OnDone() override { delete this; }

 private:
  enum class State { waiting, claimed, cancelled };
  std::atomic<State> state_{State::waiting};
  AdapterTally& tally_;
};

class AdapterService final : public pb::ConnectionAdapter::CallbackService {
 public:
  AdapterService(asio::io_context& io, GatewayCore& core, AdapterPacer& pacer, AdapterTally& tally)
      : io_(io), core_(core), pacer_(pacer), tally_(tally) {}

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* ctx, const pb::SendBytesRequest* req,
                                 pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Send", req->conn(), req->bytes().size()},
                  [this, req] { return core_.send(req->conn(), req->bytes()); });
  }
  grpc::ServerUnaryReactor* Close(grpc::CallbackServerContext* ctx, const pb::CloseSocketRequest* req,
                                  pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Close", req->conn()}, [this, req] { return core_.close(req->conn()); });
  }
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx, const pb::AuthenticateRequest* req,
                                         pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Authenticate", req->conn()}, [this, req] {
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
    return answer(ctx, resp, {"StartTimer", req->conn()},
                  [this, req] { return core_.start_timer(req->conn(), req->type(), req->interval()); });
  }
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* ctx, const pb::PublishRequest* req,
                                    pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Publish", req->conn(), req->payload().size()},
                  [this, req] { return core_.publish(req->conn(), req->topic(), req->qos(), req->payload()); });
  }
  grpc::ServerUnaryReactor* RawPublish(grpc::CallbackServerContext* ctx, const pb::RawPublishRequest* req,
                                       pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"RawPublish", {}, req->payload().size()},
                  [this, req] { return core_.raw_publish(req->topic(), req->qos(), req->payload()); });
  }
  grpc::ServerUnaryReactor* Subscribe(grpc::CallbackServerContext* ctx, const pb::SubscribeRequest* req,
                                      pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Subscribe", req->conn()},
                  [this, req] { return core_.subscribe(req->conn(), req->topic(), req->qos()); });
  }
  grpc::ServerUnaryReactor* Unsubscribe(grpc::CallbackServerContext* ctx, const pb::UnsubscribeRequest* req,
                                        pb::CodeResponse* resp) override {
    return answer(ctx, resp, {"Unsubscribe", req->conn()},
                  [this, req] { return core_.unsubscribe(req->conn(), req->topic()); });
  }

 private:
  /// What the counters and a "not carried out" record need to know of a call.
  struct CallInfo {
    std::string_view method;
    std::string conn;
    std::size_t bytes = 0;
  };

  // Request, response and context stay valid until Finish, which every path below calls
  // exactly once (gRPC's shutdown waits for it), from the I/O thread.
  template <class Fn>
  grpc::ServerUnaryReactor* answer(grpc::CallbackServerContext*, pb::CodeResponse* resp, CallInfo call, Fn fn) {
    auto* reactor = new CallReactor(tally_);  // deletes itself in OnDone
    tally_.received(call.method, call.method == "Send" && call.bytes == 0);
    asio::post(io_, [this, reactor, resp, call = std::move(call), fn = std::move(fn)]() mutable {
      auto run = [this, reactor, resp, call, fn = std::move(fn)] {
        // Nobody waits for a call that was cancelled (client deadline, reset) while it was held.
        // Whether EMQX still carries such a call out depends on whether the conn process
        // already got it; the devgw never does, so tests see one outcome.
        if (!reactor->claim()) {
          core_.record_not_carried_out(std::string(call.method), call.conn, call.bytes);
          reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled before it was carried out"));
          return;
        }
        const CallResult result = fn();
        tally_.answered(call.method);
        if (result.grpc_status != 0) {
          reactor->Finish(grpc::Status(static_cast<grpc::StatusCode>(result.grpc_status), result.grpc_message));
          return;
        }
        resp->set_code(static_cast<pb::ResultCode>(result.code));
        if (!result.message.empty()) resp->set_message(result.message);
        reactor->Finish(grpc::Status::OK);
      };
      auto abandon = [this, reactor] {
        if (reactor->claim()) tally_.abandoned();
        reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "devgw stopped"));
      };
      pacer_.submit(std::move(run), std::move(abandon));
    });
    return reactor;
  }

  asio::io_context& io_;
  GatewayCore& core_;
  AdapterPacer& pacer_;
  AdapterTally& tally_;
};

}  // namespace

struct AdapterServer::Impl {
  Impl(asio::io_context& io, GatewayCore& core, AdapterPacer& pacer, AdapterTally& tally)
      : service(io, core, pacer, tally) {}
  AdapterService service;
  std::unique_ptr<grpc::Server> server;
};

std::expected<std::unique_ptr<AdapterServer>, std::string> AdapterServer::start(
    const std::string& bind, std::shared_ptr<grpc::ServerCredentials> credentials, asio::io_context& io,
    GatewayCore& core, AdapterPacer& pacer, AdapterTally& tally) {
  auto impl = std::make_unique<Impl>(io, core, pacer, tally);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(bind, std::move(credentials), &port);
  builder.RegisterService(&impl->service);
  builder.SetMaxReceiveMessageSize(-1);
  // gRPC turns SO_REUSEPORT on by default, which would let a second gateway bind a port a
  // live (or SIGSTOPped) one still serves and silently split the calls between them. EMQX's
  // server only reuses addresses (TIME_WAIT), and a busy port fails with eaddrinuse.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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
