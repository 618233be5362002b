// A TCP or TLS listener on one io shard: its own acceptor bound with SO_REUSEPORT, so the kernel
// spreads new connections over the shards and a connection never changes thread after accept.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <expected>
#include <memory>
#include <string>

#include "host/config/config.h"
#include "host/listener/device_env.h"
#include "host/listener/listener_tls.h"

namespace exproto::host {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  // `tls`: the listener's TLS for socktype ssl; null for tcp.
  TcpListener(DeviceEnv& env, std::size_t shard, std::size_t listener, std::shared_ptr<const DeviceLimits> limits,
              std::shared_ptr<ListenerTls> tls);

  // Opens, binds and listens (before start; any thread).
  std::expected<void, std::string> bind(const boost::asio::ip::tcp::endpoint& at);
  uint16_t port() const;
  // Posts the accept loop onto the shard.
  void start();
  // On the shard's thread: closes the acceptor (accepted conns are ended through the DeviceTable).
  void stop();

 private:
  void accept();
  void accepted(boost::asio::ip::tcp::socket socket);
  // routes[].listener.max_connections reached: counted, logged (rate-limited), reset.
  void refuse_over_cap(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer);

  DeviceEnv& env_;
  const std::size_t shard_;
  const std::size_t listener_;
  std::shared_ptr<const DeviceLimits> limits_;
  std::shared_ptr<ListenerTls> tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;  // after accept() ran out of fds or memory
};

}  // namespace exproto::host
