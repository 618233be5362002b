#include "tcp_listener.hpp"

#include "tcp_transport.hpp"

namespace exproto::devgw {

namespace asio = boost::asio;
using asio::ip::tcp;

std::expected<std::shared_ptr<TcpListener>, std::string> TcpListener::bind(asio::io_context& io,
                                                                          const ListenerSpec& spec, NewSocket on_new) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(spec.host, ec);
  if (ec) return std::unexpected("tcp listener: bad address '" + spec.host + "': " + ec.message());
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(address, spec.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("tcp listener " + spec.host + ":" + std::to_string(spec.port) + ": " + ec.message());
  return std::shared_ptr<TcpListener>(new TcpListener(std::move(acceptor), std::move(on_new)));
}

TcpListener::TcpListener(tcp::acceptor acceptor, NewSocket on_new)
    : acceptor_(std::move(acceptor)), on_new_(std::move(on_new)) {
  boost::system::error_code ec;
  port_ = acceptor_.local_endpoint(ec).port();
}

void TcpListener::start() { accept_next(); }

void TcpListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

void TcpListener::accept_next() {
  if (stopped_) return;
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (self->stopped_ || ec == asio::error::operation_aborted) return;
    // A failed accept (e.g. EMFILE) loses that one socket only.
    if (!ec) self->on_new_(std::make_shared<TcpTransport>(std::move(socket)));
    self->accept_next();
  });
}

}  // namespace exproto::devgw
