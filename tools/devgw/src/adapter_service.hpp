// The ConnectionAdapter gRPC server (callback API). Each call hops to the I/O thread, where
// GatewayCore answers it with EMQX's semantics.
#pragma once

#include <boost/asio/io_context.hpp>
#include <grpcpp/security/server_credentials.h>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

namespace exproto::devgw {

class GatewayCore;

class AdapterServer {
 public:
  /// `credentials`: see adapter_server_credentials (plaintext or Options::adapter_tls).
  static std::expected<std::unique_ptr<AdapterServer>, std::string> start(
      const std::string& bind, std::shared_ptr<grpc::ServerCredentials> credentials, boost::asio::io_context& io,
      GatewayCore& core);
  ~AdapterServer();
  std::uint16_t port() const { return port_; }
  /// Stops accepting calls; the I/O thread must still run so in-flight calls can finish.
  void shutdown(std::chrono::milliseconds grace);

  struct Impl;

 private:
  explicit AdapterServer(std::unique_ptr<Impl> impl, std::uint16_t port);
  std::unique_ptr<Impl> impl_;
  std::uint16_t port_;
};

}  // namespace exproto::devgw
