#include "host/handler/stream_service.h"

#include <spdlog/spdlog.h>

#include "host/handler/handler_guard.h"
#include "host/handler/proto_events.h"
#include "host/session/dispatcher.h"

namespace exproto::host {

namespace pb = emqx::exproto::v1;

namespace {

// Lets an Ack that outlives the stream (back-pressure) find out the stream is gone.
struct Gate {
  // Recursive: StartRead may run OnReadDone inline on this thread, which acks and re-enters.
  std::recursive_mutex mu;
  std::function<void()> read_next;  // empty once the stream finished
  std::function<void(const std::string&)> fail;  // finishes the stream with an error
  std::function<void()> finish_ok;               // finishes the stream OK
};

template <class Req>
class StreamReader final : public grpc::ServerReadReactor<Req>, public StreamService::Reactor {
 public:
  // `admitted`: the stream's slot against max_calls_per_peer, held while the stream is open; or
  // the status it is refused with, at once.
  StreamReader(StreamService& service, Dispatcher& dispatcher, HandlerGuard& guard, std::string peer,
               const char* rpc, std::expected<HandlerGuard::SlotPtr, grpc::Status> admitted)
      : service_(service),
        dispatcher_(dispatcher),
        guard_(guard),
        peer_(std::move(peer)),
        rpc_(rpc),
        gate_(std::make_shared<Gate>()) {
    gate_->read_next = [this] { this->StartRead(&req_); };
    gate_->fail = [this](const std::string& error) {
      finish(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, error));
    };
    gate_->finish_ok = [this] { finish(grpc::Status::OK); };
    if (!admitted) {
      finish(admitted.error());
      return;
    }
    slot_ = std::move(*admitted);
    this->StartRead(&req_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // EMQX half-closed the stream, or it was cancelled
      finish(grpc::Status::OK);
      return;
    }
    // A bad request ends its stream (the only answer a stream has); EMQX re-opens one.
    if (grpc::Status refused = guard_.check(req_, rpc_, peer_); !refused.ok()) {
      finish(refused);
      return;
    }
    // A failed answer (sessions.unknown_conn = reject) ends the stream with an error, the one
    // way a stream can refuse an event; EMQX re-opens it for the conn's next event.
    Ack ack([gate = gate_](bool ok, const std::string& error) {
      std::lock_guard lk(gate->mu);
      if (!gate->read_next) return;
      if (ok) {
        gate->read_next();
      } else {
        auto fail = gate->fail;  // a copy: finishing clears the gate's
        fail(error);
      }
    });
    dispatch(std::move(ack));
  }

  void OnCancel() override { finish(grpc::Status::CANCELLED); }

  std::function<void()> finisher() override {
    // The gate outlives the reactor; `fail`/`read_next` are cleared before gRPC may delete it.
    return [gate = gate_] {
      std::lock_guard lk(gate->mu);
      if (auto finish = gate->finish_ok) finish();  // a copy: finishing clears the gate's
    };
  }

  void OnDone() override { service_.release(this); }

 private:
  void finish(const grpc::Status& status) {
    {
      std::lock_guard lk(gate_->mu);
      if (!gate_->read_next) return;
      gate_->read_next = nullptr;
      gate_->fail = nullptr;
      gate_->finish_ok = nullptr;
    }
    this->Finish(status);
  }

  void dispatch(Ack ack) {
    if constexpr (std::is_same_v<Req, pb::SocketCreatedRequest>) {
      dispatcher_.created(Origin::streaming, req_.conn(), to_meta(req_.conninfo()), std::move(ack));
    } else {
      dispatcher_.event(Origin::streaming, req_.conn(), to_event(req_), std::move(ack));
    }
  }

  StreamService& service_;
  Dispatcher& dispatcher_;
  HandlerGuard& guard_;
  const std::string peer_;
  const char* const rpc_;
  HandlerGuard::SlotPtr slot_;
  std::shared_ptr<Gate> gate_;
  Req req_;
};

}  // namespace

StreamService::~StreamService() = default;

template <class Req>
grpc::ServerReadReactor<Req>* StreamService::open(grpc::CallbackServerContext* ctx, const char* rpc) {
  std::string peer = ctx->peer();
  auto admitted = guard_.admit(peer, rpc);
  auto reactor = std::make_unique<StreamReader<Req>>(*this, dispatcher_, guard_, std::move(peer), rpc, std::move(admitted));
  auto* raw = reactor.get();
  std::lock_guard lk(mu_);
  reactors_.emplace(static_cast<Reactor*>(raw), std::move(reactor));
  return raw;
}

void StreamService::release(Reactor* r) {
  std::unique_ptr<Reactor> gone;  // destroyed outside the lock
  std::lock_guard lk(mu_);
  if (auto it = reactors_.find(r); it != reactors_.end()) {
    gone = std::move(it->second);
    reactors_.erase(it);
  }
}

void StreamService::finish_all() {
  std::vector<std::function<void()>> finishers;
  {
    std::lock_guard lk(mu_);
    for (auto& [raw, reactor] : reactors_) finishers.push_back(reactor->finisher());
  }
  // Outside mu_: finishing may lead to OnDone, which takes mu_ in release().
  for (auto& f : finishers) f();
}

std::size_t StreamService::open_streams() const {
  std::lock_guard lk(mu_);
  return reactors_.size();
}

grpc::ServerReadReactor<pb::SocketCreatedRequest>* StreamService::OnSocketCreated(grpc::CallbackServerContext* ctx,
                                                                                  pb::EmptySuccess*) {
  return open<pb::SocketCreatedRequest>(ctx, "OnSocketCreated");
}
grpc::ServerReadReactor<pb::SocketClosedRequest>* StreamService::OnSocketClosed(grpc::CallbackServerContext* ctx,
                                                                                pb::EmptySuccess*) {
  return open<pb::SocketClosedRequest>(ctx, "OnSocketClosed");
}
grpc::ServerReadReactor<pb::ReceivedBytesRequest>* StreamService::OnReceivedBytes(grpc::CallbackServerContext* ctx,
                                                                                  pb::EmptySuccess*) {
  return open<pb::ReceivedBytesRequest>(ctx, "OnReceivedBytes");
}
grpc::ServerReadReactor<pb::TimerTimeoutRequest>* StreamService::OnTimerTimeout(grpc::CallbackServerContext* ctx,
                                                                                pb::EmptySuccess*) {
  return open<pb::TimerTimeoutRequest>(ctx, "OnTimerTimeout");
}
grpc::ServerReadReactor<pb::ReceivedMessagesRequest>* StreamService::OnReceivedMessages(
    grpc::CallbackServerContext* ctx, pb::EmptySuccess*) {
  return open<pb::ReceivedMessagesRequest>(ctx, "OnReceivedMessages");
}

}  // namespace exproto::host
