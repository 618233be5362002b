#include "host/listener/tcp_listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <optional>

#include "host/listener/reuse_port.h"
#include "host/listener/tcp_conn.h"
#include "host/listener/tls_conn.h"
#include "host/net/io_threads.h"

namespace exproto::host {

namespace {
// Out of fds or memory: accepting again at once would spin; connections wait in the backlog.
constexpr std::chrono::milliseconds kAcceptBackoff{100};
constexpr int kBacklog = 4096;

bool resource_shortage(const boost::system::error_code& ec) {
  return ec == boost::asio::error::no_descriptors || ec == boost::asio::error::no_buffer_space ||
         ec == boost::asio::error::no_memory || ec.value() == ENFILE;
}
}  // namespace

TcpListener::TcpListener(DeviceEnv& env, std::size_t shard, std::size_t listener,
                         std::shared_ptr<const DeviceLimits> limits, std::shared_ptr<ListenerTls> tls)
    : env_(env),
      shard_(shard),
      listener_(listener),
      limits_(std::move(limits)),
      tls_(std::move(tls)),
      acceptor_(env.io.context(shard)),
      backoff_(env.io.context(shard)) {}

std::expected<void, std::string> TcpListener::bind(const boost::asio::ip::tcp::endpoint& at) {
  boost::system::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.set_option(reuse_port(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(kBacklog, ec);
  if (ec) return std::unexpected(ec.message());
  return {};
}

uint16_t TcpListener::port() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec).port();
}

void TcpListener::start() {
  boost::asio::post(env_.io.executor(shard_), [self = shared_from_this()] { self->accept(); });
}

void TcpListener::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
}

void TcpListener::accept() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept(env_.io.context(shard_), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                            boost::asio::ip::tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!ec) {
      self->accepted(std::move(socket));
      self->accept();
      return;
    }
    self->env_.stats.accept_errors.inc();
    if (resource_shortage(ec)) {
      log_limited(self->env_.log_limits, spdlog::level::err, "device accept failed",
                  "listener {}: accept failed: {}; pausing accepts for {} ms", self->listener_, ec.message(),
                  kAcceptBackoff.count());
      self->backoff_.expires_after(kAcceptBackoff);
      self->backoff_.async_wait([self](const boost::system::error_code& e) {
        if (!e) self->accept();
      });
      return;
    }
    // One connection went wrong between SYN and accept (ECONNABORTED, ...): next.
    spdlog::debug("listener {}: accept: {}", self->listener_, ec.message());
    self->accept();
  });
}

void TcpListener::accepted(boost::asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return;  // reset before we looked: nothing to serve
  std::optional<ConnCap::Slot> slot;
  if (limits_->cap) {
    slot = limits_->cap->try_take();
    if (!slot) return refuse_over_cap(std::move(socket), peer);
  }
  const auto local = socket.local_endpoint(ec);
  if (ec) return;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);  // EMQX's listeners default
  ConnMeta meta;
  meta.socktype = tls_ ? SockType::ssl : SockType::tcp;
  meta.peer_host = peer.address().to_string();
  meta.peer_port = peer.port();
  meta.sock_host = local.address().to_string();
  meta.sock_port = local.port();
  std::string id = env_.io.make_conn_id(shard_, listener_);
  if (tls_) {
    auto conn = std::make_shared<TlsConn>(env_, limits_, shard_, std::move(id), std::move(socket), tls_->current());
    if (slot) conn->hold(std::move(*slot));
    conn->handshake_then_open(std::move(meta));
  } else {
    auto conn = std::make_shared<TcpConn>(env_, limits_, shard_, std::move(id), std::move(socket));
    if (slot) conn->hold(std::move(*slot));
    conn->open(std::move(meta));
  }
}

void TcpListener::refuse_over_cap(boost::asio::ip::tcp::socket socket, const boost::asio::ip::tcp::endpoint& peer) {
  // Accepted and reset at once (host/listener/README.md, "Connection caps"): no conn, no session,
  // no TLS handshake; linger 0 makes close() send RST, so the device learns at once and the host
  // keeps no TIME_WAIT entry for a connection it never served.
  env_.stats.connections_over_cap.inc();
  log_limited(env_.log_limits, spdlog::level::warn, "listener connection cap",
              "routes[{}].listener: max_connections ({}) open; connection from {}:{} reset", listener_,
              limits_->cap->max(), peer.address().to_string(), peer.port());
  boost::system::error_code ignored;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace exproto::host
