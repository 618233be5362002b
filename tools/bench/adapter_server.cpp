#include "adapter_server.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "exproto.grpc.pb.h"

namespace exproto::bench {
namespace v1 = emqx::exproto::v1;

AdapterCounts AdapterCounts::operator-(const AdapterCounts& e) const {
  return {send - e.send,           close - e.close,         authenticate - e.authenticate,
          start_timer - e.start_timer, publish - e.publish, subscribe - e.subscribe,
          unsubscribe - e.unsubscribe, raw_publish - e.raw_publish};
}

// The completion-queue API rather than the callback API: gRPC's performance guide says the
// callback API is slower for truly high-QPS work in this release, and the adapter answers two
// of the three RPCs per frame, so its cost must stay well below the handler's.
namespace {

using Service = v1::ConnectionAdapter::AsyncService;
using Writer = grpc::ServerAsyncResponseWriter<v1::CodeResponse>;
using Counter = std::atomic<uint64_t>;

// What every call slot shares: where Sends go and what is counted.
struct Core {
  Service service;
  std::atomic<AdapterSink*> sink{nullptr};
  std::atomic<int> sink_users{0};
  alignas(64) Counter send{0};
  alignas(64) Counter publish{0};
  alignas(64) Counter close{0};
  Counter authenticate{0}, start_timer{0}, subscribe{0}, unsubscribe{0}, raw_publish{0};

  template <class F>
  void with_sink(F&& f) {
    sink_users.fetch_add(1, std::memory_order_seq_cst);
    if (AdapterSink* s = sink.load(std::memory_order_seq_cst)) f(*s);
    sink_users.fetch_sub(1, std::memory_order_seq_cst);
  }
};

// One completion queue and the thread draining it. Only that thread posts new requests on it
// (after the first batch), and only while `open`, so nothing is posted after it shuts down.
struct Lane {
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  std::mutex mu;
  bool open = true;
  std::thread thread;
};

class Slot {
 public:
  virtual ~Slot() = default;
  virtual void post() = 0;
  virtual void proceed(bool ok) = 0;
};

// One outstanding request for one method on one lane, recycled call after call (a ServerContext
// serves one call only, so it is re-created each time; the slot object itself lives on).
template <class Request>
class MethodSlot final : public Slot {
 public:
  using RequestFn = void (Service::*)(grpc::ServerContext*, Request*, Writer*, grpc::CompletionQueue*,
                                      grpc::ServerCompletionQueue*, void*);
  using HandleFn = void (*)(Core&, const Request&);

  MethodSlot(Core& core, Lane& lane, RequestFn request, HandleFn handle)
      : core_(core), lane_(lane), request_fn_(request), handle_(handle) {}

  void post() override {
    std::lock_guard lock(lane_.mu);
    if (!lane_.open) return;
    answering_ = false;
    request_.Clear();
    writer_.reset();
    ctx_.emplace();
    writer_.emplace(&*ctx_);
    (core_.service.*request_fn_)(&*ctx_, &request_, &*writer_, lane_.cq.get(), lane_.cq.get(), this);
  }

  void proceed(bool ok) override {
    if (answering_) {  // the answer went out (or the caller left): take the next call
      post();
      return;
    }
    if (!ok) return;  // the server is shutting down
    handle_(core_, request_);
    answering_ = true;
    writer_->Finish(response_, grpc::Status::OK, this);  // response_ stays SUCCESS
  }

 private:
  Core& core_;
  Lane& lane_;
  RequestFn request_fn_;
  HandleFn handle_;
  bool answering_ = false;
  std::optional<grpc::ServerContext> ctx_;
  std::optional<Writer> writer_;
  Request request_;
  v1::CodeResponse response_;
};

void drain(Lane& lane) {
  void* tag = nullptr;
  bool ok = false;
  while (lane.cq->Next(&tag, &ok)) static_cast<Slot*>(tag)->proceed(ok);
}

std::string host_of(const std::string& bind) { return bind.substr(0, bind.rfind(':')); }

}  // namespace

struct AdapterServer::Impl {
  Core core;
  std::vector<std::unique_ptr<Lane>> lanes;  // destroyed last: after the server and the slots
  std::unique_ptr<grpc::Server> server;
  std::vector<std::unique_ptr<Slot>> slots;
  std::string address;

  template <class Request>
  void add_slots(int per_lane, typename MethodSlot<Request>::RequestFn request,
                 typename MethodSlot<Request>::HandleFn handle) {
    for (auto& lane : lanes)
      for (int i = 0; i < per_lane; ++i)
        slots.push_back(std::make_unique<MethodSlot<Request>>(core, *lane, request, handle));
  }

  void add_all_slots() {
    // Send and Publish carry every frame; the rest happen once per conn or never.
    constexpr int hot = 64, cold = 8;
    add_slots<v1::SendBytesRequest>(hot, &Service::RequestSend, [](Core& c, const v1::SendBytesRequest& r) {
      c.send.fetch_add(1, std::memory_order_relaxed);
      c.with_sink([&](AdapterSink& s) { s.on_send(r.conn(), r.bytes()); });
    });
    add_slots<v1::PublishRequest>(hot, &Service::RequestPublish, [](Core& c, const v1::PublishRequest&) {
      c.publish.fetch_add(1, std::memory_order_relaxed);
    });
    add_slots<v1::CloseSocketRequest>(cold, &Service::RequestClose, [](Core& c, const v1::CloseSocketRequest& r) {
      c.close.fetch_add(1, std::memory_order_relaxed);
      c.with_sink([&](AdapterSink& s) { s.on_close(r.conn()); });
    });
    add_slots<v1::AuthenticateRequest>(cold, &Service::RequestAuthenticate,
                                       [](Core& c, const v1::AuthenticateRequest&) {
                                         c.authenticate.fetch_add(1, std::memory_order_relaxed);
                                       });
    add_slots<v1::TimerRequest>(cold, &Service::RequestStartTimer, [](Core& c, const v1::TimerRequest&) {
      c.start_timer.fetch_add(1, std::memory_order_relaxed);
    });
    add_slots<v1::SubscribeRequest>(cold, &Service::RequestSubscribe, [](Core& c, const v1::SubscribeRequest&) {
      c.subscribe.fetch_add(1, std::memory_order_relaxed);
    });
    add_slots<v1::UnsubscribeRequest>(cold, &Service::RequestUnsubscribe,
                                      [](Core& c, const v1::UnsubscribeRequest&) {
                                        c.unsubscribe.fetch_add(1, std::memory_order_relaxed);
                                      });
    add_slots<v1::RawPublishRequest>(cold, &Service::RequestRawPublish, [](Core& c, const v1::RawPublishRequest&) {
      c.raw_publish.fetch_add(1, std::memory_order_relaxed);
    });
  }
};

AdapterServer::AdapterServer(const std::string& bind, int threads, int max_streams) : impl_(std::make_unique<Impl>()) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(bind, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&impl_->core.service);
  builder.SetMaxReceiveMessageSize(16 * 1024 * 1024);
  // A handler keeps its adapter channels open for the whole run; never GOAWAY it for pings.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_ENABLE_CHANNELZ, 0);  // per-call bookkeeping nobody reads here
  if (max_streams > 0) builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, max_streams);
  for (int i = 0; i < std::max(1, threads); ++i) {
    impl_->lanes.push_back(std::make_unique<Lane>());
    impl_->lanes.back()->cq = builder.AddCompletionQueue();
  }
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port == 0) throw std::runtime_error("adapter server cannot listen on " + bind);
  impl_->address = host_of(bind) + ":" + std::to_string(port);
  impl_->add_all_slots();
  for (auto& slot : impl_->slots) slot->post();
  for (auto& lane : impl_->lanes) lane->thread = std::thread([l = lane.get()] { drain(*l); });
}

AdapterServer::~AdapterServer() {
  attach(nullptr);
  for (auto& lane : impl_->lanes) {
    std::lock_guard lock(lane->mu);
    lane->open = false;
  }
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  for (auto& lane : impl_->lanes) lane->cq->Shutdown();
  for (auto& lane : impl_->lanes) lane->thread.join();
}

std::string AdapterServer::address() const { return impl_->address; }

void AdapterServer::attach(AdapterSink* sink) {
  impl_->core.sink.store(sink, std::memory_order_seq_cst);
  // A call that loaded the old sink raised sink_users first (seq_cst on both sides), so once
  // it reads 0 nobody still holds the old sink.
  while (impl_->core.sink_users.load(std::memory_order_seq_cst) != 0) std::this_thread::yield();
}

AdapterCounts AdapterServer::counts() const {
  const Core& c = impl_->core;
  auto get = [](const Counter& n) { return n.load(std::memory_order_relaxed); };
  return {get(c.send),      get(c.close),     get(c.authenticate), get(c.start_timer),
          get(c.publish),   get(c.subscribe), get(c.unsubscribe),  get(c.raw_publish)};
}

}  // namespace exproto::bench
