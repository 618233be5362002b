#include "udp_listener.hpp"

namespace exproto::devgw {

namespace asio = boost::asio;
using asio::ip::udp;

class UdpListener::PeerTransport final : public Transport {
 public:
  PeerTransport(std::shared_ptr<udp::socket> socket, udp::endpoint peer, SocketInfo info)
      : socket_(std::move(socket)), peer_(peer), info_(std::move(info)) {}

  void start(Callbacks callbacks) override { callbacks_ = std::move(callbacks); }
  void send(std::string bytes) override {
    if (closed_) return;
    auto buffer = std::make_shared<std::string>(std::move(bytes));
    socket_->async_send_to(asio::buffer(*buffer), peer_,
                           [buffer, socket = socket_](const boost::system::error_code&, std::size_t) {});
  }
  void close() override { closed_ = true; }
  void abort() override { closed_ = true; }
  const SocketInfo& info() const override { return info_; }

  void deliver(std::string datagram) {
    if (!closed_ && callbacks_.on_data) callbacks_.on_data(std::move(datagram));
  }
  bool closed() const { return closed_; }

 private:
  std::shared_ptr<udp::socket> socket_;
  udp::endpoint peer_;
  SocketInfo info_;
  Callbacks callbacks_;
  bool closed_ = false;
};

std::expected<std::shared_ptr<UdpListener>, std::string> UdpListener::bind(asio::io_context& io,
                                                                          const ListenerSpec& spec, NewPeer on_new) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(spec.host, ec);
  if (ec) return std::unexpected("udp listener: bad address '" + spec.host + "': " + ec.message());
  auto socket = std::make_shared<udp::socket>(io);
  const udp::endpoint endpoint(address, spec.port);
  socket->open(endpoint.protocol(), ec);
  if (!ec) socket->bind(endpoint, ec);
  if (ec) return std::unexpected("udp listener " + spec.host + ":" + std::to_string(spec.port) + ": " + ec.message());
  auto listener = std::shared_ptr<UdpListener>(new UdpListener(std::move(socket), std::move(on_new)));
  return listener;
}

UdpListener::UdpListener(std::shared_ptr<udp::socket> socket, NewPeer on_new)
    : socket_(std::move(socket)), on_new_(std::move(on_new)) {
  boost::system::error_code ec;
  port_ = socket_->local_endpoint(ec).port();
}

void UdpListener::start() { receive_next(); }

void UdpListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  socket_->close(ignored);
  peers_.clear();
}

void UdpListener::receive_next() {
  if (stopped_) return;
  socket_->async_receive_from(asio::buffer(buffer_), sender_,
                              [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                if (self->stopped_ || ec == asio::error::operation_aborted) return;
                                // Other errors (e.g. ICMP port unreachable surfacing as ECONNREFUSED)
                                // concern one peer only: keep listening.
                                if (!ec) self->on_datagram(std::string(self->buffer_.data(), n));
                                self->receive_next();
                              });
}

void UdpListener::on_datagram(std::string datagram) {
  auto it = peers_.find(sender_);
  std::shared_ptr<PeerTransport> transport = it == peers_.end() ? nullptr : it->second.lock();
  if (!transport) {
    boost::system::error_code ec;
    const auto local = socket_->local_endpoint(ec);
    SocketInfo info{SocketKind::udp, sender_.address().to_string(), sender_.port(), local.address().to_string(),
                    local.port()};
    transport = std::make_shared<PeerTransport>(socket_, sender_, std::move(info));
    if (peers_.size() >= 1024) std::erase_if(peers_, [](const auto& entry) { return entry.second.expired(); });
    peers_[sender_] = transport;
    on_new_(transport);
  }
  transport->deliver(std::move(datagram));
}

}  // namespace exproto::devgw
