// ConnectionHandler (client streaming). EMQX 5.1+ opens up to five streams per device connection
// and never closes them, so each stream is a reactor that costs memory, not a thread. The next
// message of a stream is read only once the previous one was accepted: that is the back-pressure.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "exproto.grpc.pb.h"

namespace exproto::host {

class Dispatcher;
class HandlerGuard;

class StreamService final : public emqx::exproto::v1::ConnectionHandler::CallbackService {
 public:
  // `guard` admits each stream (peer allow-list and limits) and checks each message read on it.
  StreamService(Dispatcher& dispatcher, HandlerGuard& guard) : dispatcher_(dispatcher), guard_(guard) {}
  ~StreamService() override;

  grpc::ServerReadReactor<emqx::exproto::v1::SocketCreatedRequest>* OnSocketCreated(
      grpc::CallbackServerContext* ctx, emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerReadReactor<emqx::exproto::v1::SocketClosedRequest>* OnSocketClosed(
      grpc::CallbackServerContext* ctx, emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerReadReactor<emqx::exproto::v1::ReceivedBytesRequest>* OnReceivedBytes(
      grpc::CallbackServerContext* ctx, emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerReadReactor<emqx::exproto::v1::TimerTimeoutRequest>* OnTimerTimeout(
      grpc::CallbackServerContext* ctx, emqx::exproto::v1::EmptySuccess* resp) override;
  grpc::ServerReadReactor<emqx::exproto::v1::ReceivedMessagesRequest>* OnReceivedMessages(
      grpc::CallbackServerContext* ctx, emqx::exproto::v1::EmptySuccess* resp) override;

  std::size_t open_streams() const;
  // Ends every open stream (shutdown: a stream held back by back-pressure must not keep the
  // server's Shutdown waiting).
  void finish_all();

  // The reactors, owned here from creation until gRPC reports them done; type-erased so the
  // five request types share one table.
  class Reactor {
   public:
    virtual ~Reactor() = default;
    // Ends the stream OK (shutdown); safe to run after the reactor is gone.
    virtual std::function<void()> finisher() = 0;
  };
  void release(Reactor* r);

 private:
  template <class Req>
  grpc::ServerReadReactor<Req>* open(grpc::CallbackServerContext* ctx, const char* rpc);

  Dispatcher& dispatcher_;
  HandlerGuard& guard_;
  mutable std::mutex mu_;
  std::unordered_map<Reactor*, std::unique_ptr<Reactor>> reactors_;
};

}  // namespace exproto::host
