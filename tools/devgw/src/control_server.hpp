// The text control port: a person or a script sends control lines (control_command.hpp) and
// gets one answer line for each.
#pragma once

#include "control_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace exproto::devgw {

class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  /// Carries out a parsed command on the I/O thread and returns its answer line (no "\n").
  using Execute = std::function<std::string(ControlCommand)>;

  static std::expected<std::shared_ptr<ControlServer>, std::string> bind(boost::asio::io_context& io,
                                                                        const std::string& address, Execute execute);
  std::uint16_t port() const { return port_; }
  void start();
  /// I/O thread: closes the acceptor and every open session.
  void stop();

 private:
  class Session;
  ControlServer(boost::asio::ip::tcp::acceptor acceptor, Execute execute);
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  Execute execute_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::vector<std::weak_ptr<Session>> sessions_;
};

}  // namespace exproto::devgw
