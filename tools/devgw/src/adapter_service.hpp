// The ConnectionAdapter gRPC server (callback API). Each call is counted on arrival, hops to the
// I/O thread, waits its turn in the AdapterPacer (delay/stall knobs), and is then answered by
// GatewayCore with EMQX's semantics.
#pragma once

#include <boost/asio/io_context.hpp>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

namespace exproto::devgw {

class AdapterPacer;
class AdapterTally;
class GatewayCore;

class AdapterServer {
 public:
  /// `credentials`: see adapter_server_credentials (plaintext or Options::adapter_tls).
  static std::expected<std::unique_ptr<AdapterServer>, std::string> start(
      const std::string& bind, std::shared_ptr<grpc::ServerCredentials> credentials, boost::asio::io_context& io,
      GatewayCore& core, AdapterPacer& pacer, AdapterTally& tally);
  ~AdapterServer();
  std::uint16_t port() const { return port_; }
  /// Stops listening at once and cancels what is still running after `grace`; returns when
  /// every call is finished. The I/O thread must still run and the pacer must be closed
  /// (or empty), since gRPC waits for every call to be finished by the gateway.
  void shutdown(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit AdapterServer(std::unique_ptr<Impl> impl, std::uint16_t port);
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_;
};

}  // namespace exproto::devgw
