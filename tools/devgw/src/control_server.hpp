// The text control port: a person (or script) publishes into the broker with lines
// "PUB <topic> <payload>", each answered "OK" or "ERR <why>".
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace exproto::devgw {

/// Parses one control/stdin line "PUB <topic> <payload>" (keyword case-insensitive; the payload
/// is the rest of the line and may be empty or contain spaces). Error text says why not.
struct PublishCommand {
  std::string topic;
  std::string payload;
};
std::expected<PublishCommand, std::string> parse_publish_command(std::string_view line);

class ControlServer : public std::enable_shared_from_this<ControlServer> {
 public:
  using Publish = std::function<void(PublishCommand)>;

  static std::expected<std::shared_ptr<ControlServer>, std::string> bind(boost::asio::io_context& io,
                                                                        const std::string& address, Publish publish);
  std::uint16_t port() const { return port_; }
  void start();
  /// I/O thread: closes the acceptor and every open session.
  void stop();

 private:
  class Session;
  ControlServer(boost::asio::ip::tcp::acceptor acceptor, Publish publish);
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  Publish publish_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
  std::vector<std::weak_ptr<Session>> sessions_;
};

}  // namespace exproto::devgw
