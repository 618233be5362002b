#include "host/listener/tls_conn.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include "host/listener/close_reason.h"
#include "host/listener/peer_cert.h"

namespace exproto::host {

namespace {
// Close: our close_notify is sent; the peer's answer is waited for this long at most.
constexpr std::chrono::milliseconds kCloseNotifyWait{1000};
}  // namespace

TlsConn::TlsConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
                 boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> ctx)
    : DeviceConn(env, std::move(limits), shard, std::move(id)),
      ctx_(std::move(ctx)),
      stream_(std::move(socket), *ctx_),
      guard_(stream_.get_executor()) {}

void TlsConn::handshake_then_open(ConnMeta meta) {
  auto self = std::static_pointer_cast<TlsConn>(shared_from_this());
  guard_.expires_after(limits().tls_handshake_timeout);
  guard_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->close_transport();  // the handshake completes with an error
  });
  stream_.async_handshake(boost::asio::ssl::stream_base::server,
                          [self, meta = std::move(meta)](const boost::system::error_code& ec) mutable {
                            self->guard_.cancel();
                            if (ec) {
                              self->env().stats.tls_handshake_failures.inc();
                              log_limited(self->env().log_limits, spdlog::level::info, "device tls handshake failed",
                                          "TLS handshake with {}:{} failed: {}", meta.peer_host, meta.peer_port,
                                          ec.message());
                              self->close_transport();
                              return;
                            }
                            PeerCertNames names = peer_cert_names(self->stream_.native_handle());
                            meta.cert_cn = std::move(names.cn);
                            meta.cert_dn = std::move(names.dn);
                            self->open(std::move(meta));
                          });
}

DeviceConn::Step TlsConn::read_step() {
  if (!read_buffer_) read_buffer_ = std::make_unique<char[]>(kReadBytes);
  set_reading(true);
  stream_.async_read_some(
      boost::asio::buffer(read_buffer_.get(), std::min(kReadBytes, limits().max_read_bytes)),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        auto& conn = static_cast<TlsConn&>(*self);
        conn.set_reading(false);
        if (ec == boost::asio::error::operation_aborted || !conn.is_open()) return;  // closing: dropped
        if (ec) {
          conn.ended_by(ec);
          return;
        }
        conn.deliver_bytes(std::string_view(conn.read_buffer_.get(), n));
        conn.pump();
      });
  return Step::waiting;
}

void TlsConn::ended_by(const boost::system::error_code& ec) {
  const bool orderly = ec == boost::asio::error::eof || ec == boost::asio::ssl::error::stream_truncated;
  transport_ended(orderly ? close_reason::kSslClosed : close_reason::socket_error(ec), true);
}

void TlsConn::write_step() {
  if (write_pending_ || !has_queued() || shutting_down_) return;
  writing_ = take_queued();
  std::vector<boost::asio::const_buffer> buffers;
  buffers.reserve(writing_.size());
  for (const auto& b : writing_) buffers.emplace_back(boost::asio::buffer(b));
  write_pending_ = true;
  boost::asio::async_write(stream_, buffers,
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                             auto& conn = static_cast<TlsConn&>(*self);
                             conn.write_pending_ = false;
                             conn.writing_ = {};
                             conn.wrote(n, ec == boost::asio::error::operation_aborted ? boost::system::error_code{} : ec);
                           });
}

void TlsConn::shutdown_transport() {
  if (shutting_down_) return;
  shutting_down_ = true;
  // The pending read must go first: the shutdown reads the peer's close_notify itself.
  boost::system::error_code ignored;
  stream_.lowest_layer().cancel(ignored);
  auto self = shared_from_this();
  guard_.expires_after(kCloseNotifyWait);
  guard_.async_wait([self](const boost::system::error_code& ec) {
    if (!ec) self->end(close_reason::kNormal, false);
  });
  stream_.async_shutdown([self](const boost::system::error_code&) { self->end(close_reason::kNormal, false); });
}

void TlsConn::close_transport() {
  boost::system::error_code ignored;
  guard_.cancel();
  stream_.lowest_layer().close(ignored);
}

}  // namespace exproto::host
