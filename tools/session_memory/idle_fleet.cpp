#include "idle_fleet.h"

#include <grpcpp/client_context.h>
#include <grpcpp/completion_queue.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/async_stream.h>
#include <grpcpp/support/async_unary_call.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "conn_ids.h"
#include "exproto.grpc.pb.h"

namespace exproto::memory {
namespace {

namespace v1 = emqx::exproto::v1;

// A completion tag is the device index and what completed, packed into the pointer value: no
// allocation per operation, so the fleet's own memory stays out of the way of the measurement.
enum class Step : uintptr_t { unary_done = 0, created_started = 1, created_written = 2, other_started = 3 };
void* tag(std::size_t device, Step step) {
  return reinterpret_cast<void*>((static_cast<uintptr_t>(device) << 2) | static_cast<uintptr_t>(step));
}
std::size_t tag_device(void* t) { return reinterpret_cast<uintptr_t>(t) >> 2; }
Step tag_step(void* t) { return static_cast<Step>(reinterpret_cast<uintptr_t>(t) & 3); }

struct OtherStream {
  virtual ~OtherStream() = default;
  grpc::ClientContext ctx;
  v1::EmptySuccess response;
};
template <class Request>
struct TypedStream final : OtherStream {
  std::unique_ptr<grpc::ClientAsyncWriter<Request>> writer;
};

struct Device {
  grpc::ClientContext ctx;
  v1::SocketCreatedRequest created;
  v1::EmptySuccess response;
  grpc::Status status;  // unary
  std::unique_ptr<grpc::ClientAsyncResponseReader<v1::EmptySuccess>> unary;
  std::unique_ptr<grpc::ClientAsyncWriter<v1::SocketCreatedRequest>> stream;
  std::vector<std::unique_ptr<OtherStream>> others;
};


}  // namespace

struct IdleFleet::Impl {
  IdleFleetOptions options;
  std::vector<std::unique_ptr<v1::ConnectionUnaryHandler::Stub>> unary_stubs;
  std::vector<std::unique_ptr<v1::ConnectionHandler::Stub>> stream_stubs;
  grpc::CompletionQueue cq;
  std::deque<Device> devices;  // stable addresses: gRPC holds pointers into them

  std::mutex mu;
  std::condition_variable cv;
  std::size_t in_flight = 0;
  std::size_t accepted = 0;
  std::size_t failed = 0;
  std::atomic<std::size_t> streams{0};
  std::thread poller;

  explicit Impl(IdleFleetOptions o) : options(std::move(o)) {
    for (uint32_t i = 0; i < std::max<uint32_t>(1, options.channels); ++i) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one HTTP/2 connection per channel, as EMQX's pool
      args.SetInt("exproto.memory.channel", static_cast<int>(i));
      auto channel = grpc::CreateCustomChannel(options.handler, grpc::InsecureChannelCredentials(), args);
      unary_stubs.push_back(v1::ConnectionUnaryHandler::NewStub(channel));
      stream_stubs.push_back(v1::ConnectionHandler::NewStub(channel));
    }
    poller = std::thread([this] { poll(); });
  }

  ~Impl() {
    for (auto& d : devices) {
      d.ctx.TryCancel();
      for (auto& o : d.others) o->ctx.TryCancel();
    }
    cq.Shutdown();
    poller.join();
  }

  void start(std::size_t i) {
    Device& d = devices.emplace_back();
    d.created.set_conn(conn_id(i));
    auto* info = d.created.mutable_conninfo();
    info->set_socktype(v1::TCP);
    info->mutable_peername()->set_host("127.0.0.1");
    info->mutable_peername()->set_port(static_cast<uint32_t>(20000 + i % 40000));
    info->mutable_sockname()->set_host("127.0.0.1");
    info->mutable_sockname()->set_port(options.listener_port);
    const std::size_t channel = i % unary_stubs.size();
    if (!options.streaming) {
      d.unary = unary_stubs[channel]->AsyncOnSocketCreated(&d.ctx, d.created, &cq);
      d.unary->Finish(&d.response, &d.status, tag(i, Step::unary_done));
      return;
    }
    auto& stub = *stream_stubs[channel];
    d.stream = stub.PrepareAsyncOnSocketCreated(&d.ctx, &d.response, &cq);
    d.stream->StartCall(tag(i, Step::created_started));
    // EMQX opens a stream per handler function the first time a conn uses it and never closes it.
    for (uint32_t k = 1; k < std::min<uint32_t>(options.streams_per_device, 5); ++k) {
      switch (k) {
        case 1: add_other<v1::ReceivedBytesRequest>(d, i, [&](auto& s) { return stub.PrepareAsyncOnReceivedBytes(&s.ctx, &s.response, &cq); }); break;
        case 2: add_other<v1::TimerTimeoutRequest>(d, i, [&](auto& s) { return stub.PrepareAsyncOnTimerTimeout(&s.ctx, &s.response, &cq); }); break;
        case 3: add_other<v1::ReceivedMessagesRequest>(d, i, [&](auto& s) { return stub.PrepareAsyncOnReceivedMessages(&s.ctx, &s.response, &cq); }); break;
        default: add_other<v1::SocketClosedRequest>(d, i, [&](auto& s) { return stub.PrepareAsyncOnSocketClosed(&s.ctx, &s.response, &cq); }); break;
      }
    }
  }

  template <class Request, class Prepare>
  void add_other(Device& d, std::size_t i, Prepare prepare) {
    auto s = std::make_unique<TypedStream<Request>>();
    s->writer = prepare(*s);
    s->writer->StartCall(tag(i, Step::other_started));
    d.others.push_back(std::move(s));
  }

  void finish_one(bool ok) {
    std::lock_guard lock(mu);
    --in_flight;
    ++(ok ? accepted : failed);
    cv.notify_all();
  }

  void poll() {
    void* t = nullptr;
    bool ok = false;
    while (cq.Next(&t, &ok)) {
      const std::size_t i = tag_device(t);
      switch (tag_step(t)) {
        case Step::unary_done: {
          Device* d = nullptr;
          {
            std::lock_guard lock(mu);
            d = &devices[i];
          }
          const bool accepted_call = ok && d->status.ok();
          d->unary.reset();
          finish_one(accepted_call);
          break;
        }
        case Step::created_started: {
          if (!ok) { finish_one(false); break; }
          Device* d = nullptr;
          {
            std::lock_guard lock(mu);
            d = &devices[i];
          }
          streams.fetch_add(1);
          d->stream->Write(d->created, tag(i, Step::created_written));
          break;
        }
        case Step::created_written: finish_one(ok); break;
        case Step::other_started: if (ok) streams.fetch_add(1); break;
      }
    }
  }

  std::size_t next_index = 0;
};

IdleFleet::IdleFleet(IdleFleetOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
IdleFleet::~IdleFleet() = default;

std::size_t IdleFleet::open(std::size_t count, double seconds) {
  auto& m = *impl_;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                              std::chrono::duration<double>(seconds));
  std::unique_lock lock(m.mu);
  const std::size_t before = m.accepted;
  for (std::size_t n = 0; n < count; ++n) {
    if (!m.cv.wait_until(lock, deadline, [&] { return m.in_flight < m.options.max_in_flight; })) break;
    ++m.in_flight;
    m.start(m.next_index++);  // under the lock: the poller indexes `devices`, which this grows
  }
  m.cv.wait_until(lock, deadline, [&] { return m.in_flight == 0; });
  return m.accepted - before;
}

std::size_t IdleFleet::opened() const {
  std::lock_guard lock(impl_->mu);
  return impl_->accepted;
}

std::size_t IdleFleet::open_streams() const { return impl_->streams.load(); }

}  // namespace exproto::memory
