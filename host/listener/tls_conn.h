// A device on a TLS listener (socktype ssl). OnSocketCreated's place comes after the handshake,
// as in EMQX, with the client certificate's names in ConnMeta. Asio's TLS stream keeps its own
// record buffers (about 34 KiB per connection in Boost 1.74's stream_core), so a TLS device costs
// far more than a TCP one whatever this class does; it reads into a small buffer of its own,
// since a TLS read cannot be tried first and parked the way TcpConn parks (the engine may hold
// decrypted bytes the socket no longer signals).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "host/listener/device_conn.h"

namespace exproto::host {

class TlsConn final : public DeviceConn {
 public:
  TlsConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
          boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> ctx);

  // Runs the server handshake (bounded by limits.tls_handshake_timeout), then open()s with `meta`
  // and the client certificate's names. A failed handshake is counted and the socket closed;
  // there is no session.
  void handshake_then_open(ConnMeta meta);

  // Bytes one read asks for: a TLS record holds up to 16 KiB, reading less just leaves the rest
  // for the next read.
  static constexpr std::size_t kReadBytes = 4096;

 private:
  Step read_step() override;
  void write_step() override;
  void shutdown_transport() override;
  void close_transport() override;
  void ended_by(const boost::system::error_code& ec);

  std::shared_ptr<boost::asio::ssl::context> ctx_;  // outlives the stream that uses it
  boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
  boost::asio::steady_timer guard_;  // bounds the handshake, later the close_notify exchange
  std::unique_ptr<char[]> read_buffer_;
  std::vector<std::string> writing_;
  bool write_pending_ = false;
  bool shutting_down_ = false;
};

}  // namespace exproto::host
