#include "host/listener/tcp_conn.h"

#include <boost/asio/write.hpp>

#include "host/listener/close_reason.h"
#include "host/net/io_threads.h"

namespace exproto::host {

namespace {
// Close: unread bytes still in the receive queue make the kernel answer with RST instead of FIN,
// and a peer receiving RST may throw away what we wrote last; so they are read and dropped first,
// up to this much.
constexpr int kDrainReadsOnClose = 16;

bool would_block(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}
}  // namespace

TcpConn::TcpConn(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
                 boost::asio::ip::tcp::socket socket)
    : DeviceConn(env, std::move(limits), shard, std::move(id)), socket_(std::move(socket)) {
  boost::system::error_code ignored;
  // Reads are tried first and only wait when the kernel has nothing (read_step), so the socket
  // must say "would block" instead of blocking the shard.
  socket_.non_blocking(true, ignored);
}

DeviceConn::Step TcpConn::read_step() {
  // Asio's async_wait waits for the next readiness edge (Boost 1.74: not speculative), so bytes
  // that arrived while the conn was paused would never wake it: read first, wait only on EAGAIN.
  auto buffer = env().io.read_buffer(shard());
  const std::size_t room = std::min(buffer.size(), limits().max_read_bytes);
  boost::system::error_code ec;
  const std::size_t n = socket_.read_some(boost::asio::buffer(buffer.data(), room), ec);
  if (!ec) {
    deliver_bytes(std::string_view(buffer.data(), n));
    return Step::delivered;
  }
  if (would_block(ec)) {
    set_reading(true);
    socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                       [self = shared_from_this()](const boost::system::error_code& wait_ec) {
                         auto& conn = static_cast<TcpConn&>(*self);
                         conn.set_reading(false);
                         // An error is read again by read_step, which names it.
                         if (wait_ec != boost::asio::error::operation_aborted) conn.pump();
                       });
    return Step::waiting;
  }
  transport_ended(ec == boost::asio::error::eof ? close_reason::kTcpClosed : close_reason::socket_error(ec), true);
  return Step::ended;
}

void TcpConn::write_step() {
  if (write_pending_ || !has_queued()) return;
  writing_ = take_queued();
  std::vector<boost::asio::const_buffer> buffers;
  buffers.reserve(writing_.size());
  for (const auto& b : writing_) buffers.emplace_back(boost::asio::buffer(b));
  write_pending_ = true;
  boost::asio::async_write(socket_, buffers,
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                             auto& conn = static_cast<TcpConn&>(*self);
                             conn.write_pending_ = false;
                             conn.writing_ = {};
                             conn.wrote(n, ec == boost::asio::error::operation_aborted ? boost::system::error_code{} : ec);
                           });
}

void TcpConn::shutdown_transport() {
  boost::system::error_code ec;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  auto buffer = env().io.read_buffer(shard());
  for (int i = 0; i < kDrainReadsOnClose && !ec; ++i) {
    const std::size_t n = socket_.read_some(boost::asio::buffer(buffer.data(), buffer.size()), ec);
    if (n == 0 && !ec) break;
  }
  transport_ended(close_reason::kNormal, false);
}

void TcpConn::close_transport() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

}  // namespace exproto::host
