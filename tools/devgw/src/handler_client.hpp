// The gRPC client towards the handler under test: ConnectionUnaryHandler calls (one per event)
// or ConnectionHandler client streams (per conn, lazily one per callback name).
#pragma once

#include "devgw/options.hpp"
#include "event.hpp"

#include <boost/asio/io_context.hpp>
#include <grpcpp/security/credentials.h>
#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>

namespace exproto::devgw {

class HandlerClient final : public HandlerDispatcher {
 public:
  /// Streaming mode: a conn's stream ended with an error while the conn was alive.
  using StreamFailure = std::function<void(const std::string& conn, EventKind kind, const HandlerStatus& status)>;

  /// `credentials`: see handler_channel_credentials (plaintext or Options::handler_tls).
  HandlerClient(boost::asio::io_context& io, const Options& options,
                std::shared_ptr<grpc::ChannelCredentials> credentials, spdlog::logger& log,
                StreamFailure on_failure);
  ~HandlerClient() override;

  /// I/O thread.
  void dispatch(Event event, Done done) override;
  /// I/O thread. Ends the conn's streams once their queued writes are out.
  void release(const std::string& conn) override;

  /// Any thread except the I/O thread, which must keep running meanwhile: refuses new events,
  /// cancels every RPC and stream and waits until gRPC has given all of them back.
  /// False if `timeout` passed first.
  bool cancel_all_and_wait(std::chrono::milliseconds timeout);
  /// Only after cancel_all_and_wait returned true and the I/O thread has stopped: drops the
  /// channel, so the HTTP/2 connection to the handler closes now, as when EMQX's process dies
  /// (otherwise it would stay open until this object is destroyed).
  void disconnect();

  struct Impl;  // public only so the stream reactors in the .cpp can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::devgw
