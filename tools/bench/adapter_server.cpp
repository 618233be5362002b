#include "adapter_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "exproto.grpc.pb.h"

namespace exproto::bench {
namespace v1 = emqx::exproto::v1;

AdapterCounts AdapterCounts::operator-(const AdapterCounts& e) const {
  return {send - e.send,           close - e.close,         authenticate - e.authenticate,
          start_timer - e.start_timer, publish - e.publish, subscribe - e.subscribe,
          unsubscribe - e.unsubscribe, raw_publish - e.raw_publish};
}

namespace {

using Counter = std::atomic<uint64_t>;

// Every method answers SUCCESS on the calling gRPC thread: the point is to cost the handler
// under test as little latency as possible, like an idle EMQX node would.
class FastAdapter final : public v1::ConnectionAdapter::CallbackService {
 public:
  void attach(AdapterSink* sink) {
    sink_.store(sink, std::memory_order_seq_cst);
    // A call that loaded the old sink has already raised users_ (seq_cst on both sides), so
    // once users_ reads 0 nobody can still hold it.
    while (users_.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
  }

  AdapterCounts counts() const {
    auto get = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
    return {get(send_), get(close_), get(authenticate_), get(start_timer_), get(publish_),
            get(subscribe_), get(unsubscribe_), get(raw_publish_)};
  }

  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* ctx, const v1::SendBytesRequest* req,
                                 v1::CodeResponse*) override {
    send_.fetch_add(1, std::memory_order_relaxed);
    with_sink([&](AdapterSink& s) { s.on_send(req->conn(), req->bytes()); });
    return ok(ctx);
  }
  grpc::ServerUnaryReactor* Close(grpc::CallbackServerContext* ctx, const v1::CloseSocketRequest* req,
                                  v1::CodeResponse*) override {
    close_.fetch_add(1, std::memory_order_relaxed);
    with_sink([&](AdapterSink& s) { s.on_close(req->conn()); });
    return ok(ctx);
  }
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* ctx, const v1::AuthenticateRequest*,
                                         v1::CodeResponse*) override {
    return count_ok(authenticate_, ctx);
  }
  grpc::ServerUnaryReactor* StartTimer(grpc::CallbackServerContext* ctx, const v1::TimerRequest*,
                                       v1::CodeResponse*) override {
    return count_ok(start_timer_, ctx);
  }
  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* ctx, const v1::PublishRequest*,
                                    v1::CodeResponse*) override {
    return count_ok(publish_, ctx);
  }
  grpc::ServerUnaryReactor* Subscribe(grpc::CallbackServerContext* ctx, const v1::SubscribeRequest*,
                                      v1::CodeResponse*) override {
    return count_ok(subscribe_, ctx);
  }
  grpc::ServerUnaryReactor* Unsubscribe(grpc::CallbackServerContext* ctx, const v1::UnsubscribeRequest*,
                                        v1::CodeResponse*) override {
    return count_ok(unsubscribe_, ctx);
  }
  grpc::ServerUnaryReactor* RawPublish(grpc::CallbackServerContext* ctx, const v1::RawPublishRequest*,
                                       v1::CodeResponse*) override {
    return count_ok(raw_publish_, ctx);
  }

 private:
  template <class F>
  void with_sink(F&& f) {
    users_.fetch_add(1, std::memory_order_seq_cst);
    if (AdapterSink* sink = sink_.load(std::memory_order_seq_cst)) f(*sink);
    users_.fetch_sub(1, std::memory_order_seq_cst);
  }
  static grpc::ServerUnaryReactor* ok(grpc::CallbackServerContext* ctx) {
    auto* reactor = ctx->DefaultReactor();  // owned by gRPC; the response stays SUCCESS (0)
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  static grpc::ServerUnaryReactor* count_ok(Counter& c, grpc::CallbackServerContext* ctx) {
    c.fetch_add(1, std::memory_order_relaxed);
    return ok(ctx);
  }

  std::atomic<AdapterSink*> sink_{nullptr};
  std::atomic<int> users_{0};
  // separate lines for the two hot counters, the rest is rare
  alignas(64) Counter send_{0};
  alignas(64) Counter publish_{0};
  alignas(64) Counter close_{0};
  Counter authenticate_{0}, start_timer_{0}, subscribe_{0}, unsubscribe_{0}, raw_publish_{0};
};

std::string host_of(const std::string& bind) { return bind.substr(0, bind.rfind(':')); }

}  // namespace

struct AdapterServer::Impl {
  FastAdapter service;
  std::unique_ptr<grpc::Server> server;
  std::string address;
};

AdapterServer::AdapterServer(const std::string& bind) : impl_(std::make_unique<Impl>()) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(bind, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&impl_->service);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // A handler keeps its adapter channels open for the whole run; never GOAWAY it for pings.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port == 0) throw std::runtime_error("adapter server cannot listen on " + bind);
  impl_->address = host_of(bind) + ":" + std::to_string(port);
}

AdapterServer::~AdapterServer() {
  impl_->service.attach(nullptr);
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  impl_->server->Wait();
}

std::string AdapterServer::address() const { return impl_->address; }
void AdapterServer::attach(AdapterSink* sink) { impl_->service.attach(sink); }
AdapterCounts AdapterServer::counts() const { return impl_->service.counts(); }

}  // namespace exproto::bench
