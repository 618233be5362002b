// A TCP device listener: accepts sockets and hands each one to a new conn process.
#pragma once

#include "devgw/options.hpp"
#include "transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <expected>
#include <functional>
#include <memory>

namespace exproto::devgw {

class TcpListener : public std::enable_shared_from_this<TcpListener> {
 public:
  using NewSocket = std::function<void(std::shared_ptr<Transport>)>;

  static std::expected<std::shared_ptr<TcpListener>, std::string> bind(boost::asio::io_context& io,
                                                                      const ListenerSpec& spec, NewSocket on_new);
  std::uint16_t port() const { return port_; }
  void start();
  void stop();

 private:
  TcpListener(boost::asio::ip::tcp::acceptor acceptor, NewSocket on_new);
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  NewSocket on_new_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace exproto::devgw
