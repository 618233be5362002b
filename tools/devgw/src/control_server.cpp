#include "control_server.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <deque>

namespace exproto::devgw {

namespace asio = boost::asio;
using asio::ip::tcp;

class ControlServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Execute execute) : socket_(std::move(socket)), execute_(std::move(execute)) {}

  void start() { read_next(); }
  void close() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  void read_next() {
    asio::async_read_until(socket_, input_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                             if (ec) return;  // peer left or server stopping
                             std::string line(asio::buffers_begin(self->input_.data()),
                                              asio::buffers_begin(self->input_.data()) + static_cast<long>(n));
                             self->input_.consume(n);
                             auto command = parse_control_command(line);
                             if (command) {
                               self->reply(self->execute_(std::move(*command)) + "\n");
                             } else {
                               self->reply("ERR " + command.error() + "\n");
                             }
                             self->read_next();
                           });
  }
  void reply(std::string text) {
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) write_next();
  }
  void write_next() {
    asio::async_write(socket_, asio::buffer(outbox_.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                        if (ec) return;
                        self->outbox_.pop_front();
                        if (!self->outbox_.empty()) self->write_next();
                      });
  }

  tcp::socket socket_;
  Execute execute_;
  asio::streambuf input_{64 * 1024};  // a line longer than this ends the session
  std::deque<std::string> outbox_;
};

std::expected<std::shared_ptr<ControlServer>, std::string> ControlServer::bind(asio::io_context& io,
                                                                              const std::string& address,
                                                                              Execute execute) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) return std::unexpected("control address '" + address + "' must be HOST:PORT");
  auto host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (...) {
  }
  if (ec || port < 0 || port > 65535) return std::unexpected("control address '" + address + "' is not IP:PORT");
  tcp::acceptor acceptor(io);
  const tcp::endpoint endpoint(ip, static_cast<std::uint16_t>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("control port " + address + ": " + ec.message());
  return std::shared_ptr<ControlServer>(new ControlServer(std::move(acceptor), std::move(execute)));
}

ControlServer::ControlServer(tcp::acceptor acceptor, Execute execute)
    : acceptor_(std::move(acceptor)), execute_(std::move(execute)) {
  boost::system::error_code ec;
  port_ = acceptor_.local_endpoint(ec).port();
}

void ControlServer::start() { accept_next(); }

void ControlServer::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  for (auto& weak : sessions_)
    if (auto session = weak.lock()) session->close();
  sessions_.clear();
}

void ControlServer::accept_next() {
  if (stopped_) return;
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (self->stopped_ || ec == asio::error::operation_aborted) return;
    if (!ec) {
      auto session = std::make_shared<Session>(std::move(socket), self->execute_);
      std::erase_if(self->sessions_, [](const auto& w) { return w.expired(); });
      self->sessions_.push_back(session);
      session->start();
    }
    self->accept_next();
  });
}

}  // namespace exproto::devgw
