// A UDP listener on one io shard: one socket (SO_REUSEPORT, so the kernel's flow hash keeps a
// peer's datagrams on one shard) and its peers. A peer address is a session, as in EMQX: the
// first datagram from a new address opens a conn, every datagram is one Bytes event (boundaries
// kept), every Send is one datagram. A quiet peer is ended by the listener's idle_timeout unless
// the codec started a keepalive.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "host/listener/device_conn.h"

namespace exproto::host {

class UdpEndpoint;

class UdpPeer final : public DeviceConn {
 public:
  UdpPeer(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
          std::shared_ptr<UdpEndpoint> endpoint, boost::asio::ip::udp::endpoint peer);

  // One datagram from the peer. While the previous event is being handled it waits, up to
  // limits.max_udp_backlog datagrams; past that it is dropped and counted.
  void on_datagram(std::string_view data);

 private:
  Step read_step() override { return Step::waiting; }  // datagrams are pushed (on_datagram)
  void write_step() override;
  void shutdown_transport() override;
  void close_transport() override;

  std::shared_ptr<UdpEndpoint> endpoint_;  // the peer is forgotten there when it ends
  const boost::asio::ip::udp::endpoint peer_;
  bool forgotten_ = false;
};

class UdpEndpoint : public std::enable_shared_from_this<UdpEndpoint> {
 public:
  UdpEndpoint(DeviceEnv& env, std::size_t shard, std::size_t listener, std::shared_ptr<const DeviceLimits> limits);

  // Opens and binds the socket (before start; any thread).
  std::expected<void, std::string> bind(const boost::asio::ip::udp::endpoint& at);
  uint16_t port() const;
  // Posts the receive loop onto the shard.
  void start();
  // On the shard's thread: closes the socket (the peers are ended through the DeviceTable).
  void stop();
  // On the shard's thread: stop(), and every peer ends with `reason` (a route change removed
  // the listener; at shutdown the DeviceTable ends them instead).
  void stop_and_end_peers(const char* reason);

  // On the shard's thread. A datagram the kernel cannot take now is dropped and counted (UDP
  // gives no delivery promise; queueing it would only delay the next ones).
  void send_to(const boost::asio::ip::udp::endpoint& peer, const std::string& datagram);
  void forget(const boost::asio::ip::udp::endpoint& peer, const UdpPeer* conn);

 private:
  struct EndpointHash {
    std::size_t operator()(const boost::asio::ip::udp::endpoint& e) const noexcept;
  };
  void wait_readable();
  void drain();
  void on_datagram(const boost::asio::ip::udp::endpoint& from, std::string_view data);

  DeviceEnv& env_;
  const std::size_t shard_;
  const std::size_t listener_;
  std::shared_ptr<const DeviceLimits> limits_;
  boost::asio::ip::udp::socket socket_;
  std::string sock_host_;
  uint32_t sock_port_ = 0;
  std::unordered_map<boost::asio::ip::udp::endpoint, std::shared_ptr<UdpPeer>, EndpointHash> peers_;
};

}  // namespace exproto::host
