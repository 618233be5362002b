// A UDP device listener: one socket, one conn process per peer {ip, port}, one OnReceivedBytes
// per datagram.
#pragma once

#include "devgw/options.hpp"
#include "transport.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <expected>
#include <functional>
#include <map>
#include <memory>

namespace exproto::devgw {

class UdpListener : public std::enable_shared_from_this<UdpListener> {
 public:
  /// Called on the I/O thread for a datagram from a peer without a live conn; the callee must
  /// start() the transport before returning so the datagram can be delivered to it.
  using NewPeer = std::function<void(std::shared_ptr<Transport>)>;

  static std::expected<std::shared_ptr<UdpListener>, std::string> bind(boost::asio::io_context& io,
                                                                      const ListenerSpec& spec, NewPeer on_new);
  std::uint16_t port() const { return port_; }
  void start();
  void stop();

 private:
  class PeerTransport;
  UdpListener(std::shared_ptr<boost::asio::ip::udp::socket> socket, NewPeer on_new);
  void receive_next();
  void on_datagram(std::string datagram);

  std::shared_ptr<boost::asio::ip::udp::socket> socket_;
  NewPeer on_new_;
  std::uint16_t port_ = 0;
  std::array<char, 65536> buffer_{};
  boost::asio::ip::udp::endpoint sender_;
  // Peers whose conn process is alive; the conn owns its transport, so expiry = conn ended.
  std::map<boost::asio::ip::udp::endpoint, std::weak_ptr<PeerTransport>> peers_;
  bool stopped_ = false;
};

}  // namespace exproto::devgw
