// Transport over one accepted TCP socket: every read chunk is one OnReceivedBytes.
#pragma once

#include "transport.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <deque>
#include <memory>

namespace exproto::devgw {

class TcpTransport final : public Transport, public std::enable_shared_from_this<TcpTransport> {
 public:
  explicit TcpTransport(boost::asio::ip::tcp::socket socket);
  void start(Callbacks callbacks) override;
  void send(std::string bytes) override;
  void close() override;
  void abort() override;
  const SocketInfo& info() const override { return info_; }

 private:
  void read_next();
  void write_next();
  void fail(const boost::system::error_code& ec);
  void shut();

  boost::asio::ip::tcp::socket socket_;
  SocketInfo info_;
  Callbacks callbacks_;
  std::array<char, 64 * 1024> buffer_{};
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool closed_ = false;  // no more reads/sends accepted
  bool shut_ = false;    // socket really closed
};

/// EMQX's reason atom for a socket error (econnreset, etimedout, …; tcp_closed for EOF).
std::string socket_error_atom(const boost::system::error_code& ec);

}  // namespace exproto::devgw
