#include "host/listener/udp_endpoint.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/container_hash/hash.hpp>

#include <optional>

#include "host/listener/close_reason.h"
#include "host/listener/reuse_port.h"
#include "host/net/io_threads.h"

namespace exproto::host {

namespace {
// Datagrams read in one turn of the shard's thread before the other sockets get theirs.
constexpr int kDatagramsPerTurn = 64;

bool would_block(const boost::system::error_code& ec) {
  return ec == boost::asio::error::would_block || ec == boost::asio::error::try_again;
}
}  // namespace

// ---- UdpPeer ----------------------------------------------------------------------------------

UdpPeer::UdpPeer(DeviceEnv& env, std::shared_ptr<const DeviceLimits> limits, std::size_t shard, std::string id,
                 std::shared_ptr<UdpEndpoint> endpoint, boost::asio::ip::udp::endpoint peer)
    : DeviceConn(env, std::move(limits), shard, std::move(id)), endpoint_(std::move(endpoint)), peer_(peer) {}

void UdpPeer::on_datagram(std::string_view data) {
  if (!is_open()) return;
  if (events_waiting() >= limits().max_udp_backlog) {
    env().stats.udp_datagrams_dropped.inc();
    log_limited(env().log_limits, spdlog::level::warn, "udp backlog full",
                "conn {}: {} datagrams already wait for the session; one of {} bytes dropped", id(), events_waiting(),
                data.size());
    return;
  }
  deliver_bytes(data);
  pump();
}

void UdpPeer::write_step() {
  // Each Send is one datagram, handed to the kernel at once.
  for (auto& datagram : take_queued()) {
    endpoint_->send_to(peer_, datagram);
    wrote(datagram.size(), {});
  }
}

void UdpPeer::shutdown_transport() { transport_ended(close_reason::kNormal, false); }

void UdpPeer::close_transport() {
  if (forgotten_) return;
  forgotten_ = true;
  // A later datagram from the same address opens a new conn, as it opens a new process in EMQX.
  endpoint_->forget(peer_, this);
}

// ---- UdpEndpoint ------------------------------------------------------------------------------

std::size_t UdpEndpoint::EndpointHash::operator()(const boost::asio::ip::udp::endpoint& e) const noexcept {
  std::size_t h = std::hash<uint16_t>{}(e.port());
  if (e.address().is_v4()) {
    boost::hash_combine(h, e.address().to_v4().to_uint());
  } else {
    for (auto b : e.address().to_v6().to_bytes()) boost::hash_combine(h, b);
  }
  return h;
}

UdpEndpoint::UdpEndpoint(DeviceEnv& env, std::size_t shard, std::size_t listener,
                         std::shared_ptr<const DeviceLimits> limits)
    : env_(env), shard_(shard), listener_(listener), limits_(std::move(limits)), socket_(env.io.context(shard)) {}

std::expected<void, std::string> UdpEndpoint::bind(const boost::asio::ip::udp::endpoint& at) {
  boost::system::error_code ec;
  socket_.open(at.protocol(), ec);
  if (!ec) socket_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) socket_.set_option(reuse_port(true), ec);
  if (!ec) socket_.bind(at, ec);
  if (!ec) socket_.non_blocking(true, ec);
  if (ec) return std::unexpected(ec.message());
  const auto local = socket_.local_endpoint(ec);
  if (ec) return std::unexpected(ec.message());
  sock_host_ = local.address().to_string();
  sock_port_ = local.port();
  return {};
}

uint16_t UdpEndpoint::port() const { return static_cast<uint16_t>(sock_port_); }

void UdpEndpoint::start() {
  boost::asio::post(env_.io.executor(shard_), [self = shared_from_this()] { self->drain(); });
}

void UdpEndpoint::stop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void UdpEndpoint::stop_and_end_peers(const char* reason) {
  stop();
  // end() calls forget(), which must not erase from the map being walked.
  auto peers = std::move(peers_);
  peers_.clear();
  for (auto& [at, peer] : peers) peer->end(reason, false);
}

void UdpEndpoint::wait_readable() {
  socket_.async_wait(boost::asio::ip::udp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (!ec) self->drain();
                     });
}

void UdpEndpoint::drain() {
  if (!socket_.is_open()) return;
  auto buffer = env_.io.read_buffer(shard_);
  for (int i = 0; i < kDatagramsPerTurn; ++i) {
    boost::asio::ip::udp::endpoint from;
    boost::system::error_code ec;
    const std::size_t n = socket_.receive_from(boost::asio::buffer(buffer.data(), buffer.size()), from, 0, ec);
    if (would_block(ec)) {
      wait_readable();
      return;
    }
    if (ec == boost::asio::error::bad_descriptor || !socket_.is_open()) return;
    if (ec) {
      // ICMP errors of earlier sends (ECONNREFUSED) land here; they concern one peer, not the socket.
      spdlog::debug("udp listener {}:{}: receive: {}", sock_host_, sock_port_, ec.message());
      continue;
    }
    on_datagram(from, std::string_view(buffer.data(), n));
  }
  // Still more: the other sockets of the shard get their turn first.
  boost::asio::post(env_.io.executor(shard_), [self = shared_from_this()] { self->drain(); });
}

void UdpEndpoint::on_datagram(const boost::asio::ip::udp::endpoint& from, std::string_view data) {
  std::shared_ptr<UdpPeer> peer;  // held here: open() and on_datagram() may end it
  if (auto it = peers_.find(from); it != peers_.end()) {
    peer = it->second;
  } else {
    std::optional<ConnCap::Slot> slot;
    if (limits_->cap) {
      slot = limits_->cap->try_take();
      if (!slot) {
        // A datagram cannot be refused to its sender: it is dropped and no peer state is made,
        // so a flood of new source addresses costs the host nothing past the cap.
        env_.stats.udp_peers_over_cap.inc();
        log_limited(env_.log_limits, spdlog::level::warn, "listener peer cap",
                    "routes[{}].listener: max_peers ({}) reached; datagram from new peer {}:{} dropped", listener_,
                    limits_->cap->max(), from.address().to_string(), from.port());
        return;
      }
    }
    peer = std::make_shared<UdpPeer>(env_, limits_, shard_, env_.io.make_conn_id(shard_, listener_), shared_from_this(),
                                     from);
    if (slot) peer->hold(std::move(*slot));
    peers_.emplace(from, peer);
    ConnMeta meta;
    meta.socktype = SockType::udp;
    meta.peer_host = from.address().to_string();
    meta.peer_port = from.port();
    meta.sock_host = sock_host_;
    meta.sock_port = sock_port_;
    peer->open(std::move(meta));
  }
  peer->on_datagram(data);
}

void UdpEndpoint::send_to(const boost::asio::ip::udp::endpoint& peer, const std::string& datagram) {
  boost::system::error_code ec;
  socket_.send_to(boost::asio::buffer(datagram), peer, 0, ec);
  if (ec) {
    env_.stats.udp_datagrams_dropped.inc();
    log_limited(env_.log_limits, spdlog::level::info, "udp send dropped", "udp listener {}:{}: datagram to {}:{} dropped: {}",
                sock_host_, sock_port_, peer.address().to_string(), peer.port(), ec.message());
  }
}

void UdpEndpoint::forget(const boost::asio::ip::udp::endpoint& peer, const UdpPeer* conn) {
  auto it = peers_.find(peer);
  if (it != peers_.end() && it->second.get() == conn) peers_.erase(it);
}

}  // namespace exproto::host
