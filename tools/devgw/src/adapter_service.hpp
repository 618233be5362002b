// The ConnectionAdapter gRPC server (callback API). Each call hops to the I/O thread, where
// GatewayCore answers it with EMQX's semantics.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

namespace exproto::devgw {

class GatewayCore;

class AdapterServer {
 public:
  static std::expected<std::unique_ptr<AdapterServer>, std::string> start(const std::string& bind,
                                                                         boost::asio::io_context& io,
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
