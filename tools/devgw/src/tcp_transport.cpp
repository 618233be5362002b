#include "tcp_transport.hpp"

#include <boost/asio/write.hpp>

#include <cerrno>

namespace exproto::devgw {

std::string socket_error_atom(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::eof) return "tcp_closed";
  switch (ec.value()) {
    case ECONNRESET: return "econnreset";
    case ETIMEDOUT: return "etimedout";
    case EPIPE: return "epipe";
    case ECONNABORTED: return "econnaborted";
    case EHOSTUNREACH: return "ehostunreach";
    case ENETUNREACH: return "enetunreach";
    default: return "tcp_closed";
  }
}

TcpTransport::TcpTransport(boost::asio::ip::tcp::socket socket) : socket_(std::move(socket)) {
  boost::system::error_code ec;
  const auto peer = socket_.remote_endpoint(ec);
  const auto local = socket_.local_endpoint(ec);
  info_ = {SocketKind::tcp, peer.address().to_string(), peer.port(), local.address().to_string(), local.port()};
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
}

void TcpTransport::start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  read_next();
}

void TcpTransport::read_next() {
  if (closed_) return;
  socket_.async_read_some(boost::asio::buffer(buffer_),
                          [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                            if (self->closed_) return;
                            if (ec) return self->fail(ec);
                            self->callbacks_.on_data(std::string(self->buffer_.data(), n));
                            self->read_next();
                          });
}

void TcpTransport::send(std::string bytes) {
  if (closed_ || bytes.empty()) return;
  outbox_.push_back(std::move(bytes));
  if (!writing_) write_next();
}

void TcpTransport::write_next() {
  if (shut_) return;
  if (outbox_.empty()) {
    writing_ = false;
    if (closed_) shut();
    return;
  }
  writing_ = true;
  boost::asio::async_write(socket_, boost::asio::buffer(outbox_.front()),
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                             if (ec) {
                               if (self->closed_) return self->shut();
                               return self->fail(ec);
                             }
                             self->outbox_.pop_front();
                             self->write_next();
                           });
}

void TcpTransport::fail(const boost::system::error_code& ec) {
  const auto reason = socket_error_atom(ec);
  abort();
  if (callbacks_.on_closed) callbacks_.on_closed(reason);
}

void TcpTransport::close() {
  if (closed_) return;
  closed_ = true;
  if (!writing_) shut();
}

void TcpTransport::abort() {
  closed_ = true;
  outbox_.clear();
  shut();
}

void TcpTransport::shut() {
  if (shut_) return;
  shut_ = true;
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace exproto::devgw
