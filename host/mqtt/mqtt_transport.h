// The byte stream under one MQTT connection: plain TCP or TLS over TCP. Plain sockets are read
// the cheap way — wait for readability, then read into the caller's scratch buffer — so an idle
// connection holds no receive buffer. TLS cannot work like that (OpenSSL decrypts whole records
// into Asio's per-stream buffers, about 34 KiB per stream whatever we do), so a TLS connection
// reads into a small buffer of its own.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace exproto::host::mqtt {

class MqttTransport {
 public:
  using tcp = boost::asio::ip::tcp;
  using TlsStream = boost::asio::ssl::stream<tcp::socket>;

  // `tls`: the shared client context, or null for plain TCP. It must outlive the transport.
  MqttTransport(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* tls);

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }
  bool is_tls() const { return static_cast<bool>(tls_); }
  SSL* ssl() { return tls_ ? tls_->native_handle() : nullptr; }

  template <typename Handler>  // void(error_code, endpoint)
  void async_connect(const std::vector<tcp::endpoint>& endpoints, Handler&& h) {
    boost::asio::async_connect(socket(), endpoints, std::forward<Handler>(h));
  }

  template <typename Handler>  // void(error_code); plain TCP completes at once
  void async_handshake(Handler&& h) {
    if (tls_) tls_->async_handshake(boost::asio::ssl::stream_base::client, std::forward<Handler>(h));
    else boost::asio::post(socket().get_executor(), [h = std::forward<Handler>(h)]() mutable { h(boost::system::error_code{}); });
  }

  template <typename Handler>  // void(error_code, std::size_t)
  void async_write(std::string_view bytes, Handler&& h) {
    if (tls_) boost::asio::async_write(*tls_, boost::asio::buffer(bytes), std::forward<Handler>(h));
    else boost::asio::async_write(plain_, boost::asio::buffer(bytes), std::forward<Handler>(h));
  }

  // Calls `h(error_code, bytes)` with the next bytes from the broker. Plain TCP reads into
  // `scratch` (the caller's per-thread buffer, valid only during the call); a spurious wake-up
  // is waited out here. An orderly close by the peer arrives as boost::asio::error::eof.
  template <typename Handler>
  void async_read(std::span<char> scratch, Handler&& h) {
    if (tls_) {
      tls_->async_read_some(boost::asio::buffer(tls_buffer_.get(), kTlsReadBuffer),
          [this, h = std::forward<Handler>(h)](const boost::system::error_code& ec, std::size_t n) mutable {
            h(ec, std::string_view(tls_buffer_.get(), ec ? 0 : n));
          });
      return;
    }
    plain_.async_wait(tcp::socket::wait_read,
        [this, scratch, h = std::forward<Handler>(h)](const boost::system::error_code& ec) mutable {
          if (ec) return h(ec, std::string_view{});
          boost::system::error_code rec;
          const std::size_t n = plain_.read_some(boost::asio::buffer(scratch.data(), scratch.size()), rec);
          if (rec == boost::asio::error::would_block || rec == boost::asio::error::try_again) {
            return async_read(scratch, std::move(h));
          }
          h(rec, std::string_view(scratch.data(), rec ? 0 : n));
        });
  }

  // After connecting: non-blocking reads (readiness-then-read must never block) and no Nagle
  // delay (MQTT packets are small and answers are waited for).
  void prepare(boost::system::error_code& ec);
  // Closes the socket; pending operations complete with operation_aborted.
  void close();

 private:
  static constexpr std::size_t kTlsReadBuffer = 4096;
  tcp::socket plain_;
  std::unique_ptr<TlsStream> tls_;
  std::unique_ptr<char[]> tls_buffer_;
};

}  // namespace exproto::host::mqtt
