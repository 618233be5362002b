// The smallest Asio MQTT client that is a fair comparison: CONNECT, CONNACK, PINGREQ, PINGRESP.
// An idle client owns its socket and nothing else: it waits for readability with async_wait and
// reads into one buffer the loop shares, so no per-client receive buffer exists while idle.
#include <utility>  // Boost 1.74's asio uses std::exchange without including it

#include <boost/asio.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <vector>

#include "fleet.h"
#include "mqtt_wire.h"

namespace mqtt_scale {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct Client {
  explicit Client(net::io_context& io) : socket(io) {}
  tcp::socket socket;
  std::string partial;  // bytes of an incomplete packet; empty (no heap) almost always
  bool connected = false;
  bool dead = false;
};

class AsioLoop {
 public:
  AsioLoop(const FleetOptions& o, FleetResult& r) : o_(o), r_(r), pinger_(io_) { clients_.reserve(o.clients); }

  void start(int i) {
    auto& c = *clients_.emplace_back(std::make_unique<Client>(io_));
    boost::system::error_code ec;
    c.socket.open(tcp::v4(), ec);
    if (!ec) c.socket.bind({net::ip::make_address_v4(source_address(o_.first_index + i)), 0}, ec);
    if (ec) return fail(c);
    const tcp::endpoint broker(net::ip::address_v4::loopback(), o_.port);
    c.socket.async_connect(broker, [this, &c, i](const boost::system::error_code& e) {
      if (e) return fail(c);
      auto connect = std::make_shared<std::string>(
          encode_connect_v5(client_id(o_.first_index + i), static_cast<uint16_t>(o_.keepalive_s)));
      // The CONNECT bytes live only until written.
      net::async_write(c.socket, net::buffer(*connect), [this, &c, connect](const boost::system::error_code& e, std::size_t) {
        if (e) return fail(c);
        wait_readable(c);
      });
    });
  }

  // A PINGREQ from every connected client at half the keepalive, from one timer for all.
  void ping_every(std::chrono::milliseconds period) {
    pinger_.expires_after(period);
    pinger_.async_wait([this, period](const boost::system::error_code& e) {
      if (e) return;
      static constexpr std::array<unsigned char, 2> kPingReq{0xC0, 0x00};
      for (auto& c : clients_) {
        if (!c->connected || c->dead) continue;
        net::async_write(c->socket, net::buffer(kPingReq), [this, cl = c.get()](const boost::system::error_code& e, std::size_t) {
          if (e) drop(*cl);
        });
      }
      ping_every(period);
    });
  }

  net::io_context& io() { return io_; }
  int started() const { return static_cast<int>(clients_.size()); }

 private:
  void fail(Client& c) {
    if (c.dead) return;
    c.dead = true;
    if (c.connected) ++r_.dropped;
    else ++r_.failed;
  }
  void drop(Client& c) { fail(c); }

  void wait_readable(Client& c) {
    c.socket.async_wait(tcp::socket::wait_read, [this, &c](const boost::system::error_code& e) {
      if (e) return fail(c);
      boost::system::error_code ec;
      const std::size_t n = c.socket.read_some(net::buffer(shared_buffer_), ec);
      if (ec || n == 0) return fail(c);
      std::string_view bytes(shared_buffer_.data(), n);
      std::string joined;
      if (!c.partial.empty()) {
        joined = std::move(c.partial) + std::string(bytes);
        c.partial.clear();
        bytes = joined;
      }
      while (auto head = next_packet(bytes)) {
        if (head->type == 0xFF) return fail(c);
        if (head->type == 2) {  // CONNACK
          if (head->connack_reason != 0) return fail(c);
          c.connected = true;
          ++r_.connected;
        } else if (head->type == 13) {  // PINGRESP
          if (r_.pings_answered < 0) r_.pings_answered = 0;
          ++r_.pings_answered;
        }
        bytes.remove_prefix(head->length);
      }
      c.partial.assign(bytes);
      if (c.partial.empty()) c.partial.shrink_to_fit();
      wait_readable(c);
    });
  }

  const FleetOptions& o_;
  FleetResult& r_;
  net::io_context io_{1};  // one thread: no locking inside Asio
  net::steady_timer pinger_;
  std::array<char, 4096> shared_buffer_{};
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace

FleetResult run_asio_fleet(const FleetOptions& o, const std::function<void()>& measure) {
  FleetResult r;
  r.pings_answered = 0;
  AsioLoop loop(o, r);
  // Pings start with the first connection: on a loaded machine the connect phase can outlast
  // 1.5 x keepalive, and the broker would drop the early clients.
  loop.ping_every(std::chrono::milliseconds(o.keepalive_s * 500));
  const auto connect_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (r.connected + r.failed < o.clients && std::chrono::steady_clock::now() < connect_deadline) {
    while (loop.started() < o.clients && loop.started() - r.connected - r.failed < o.max_connecting) {
      loop.start(loop.started());
    }
    loop.io().run_one_for(std::chrono::milliseconds(100));
  }
  loop.io().restart();  // run_one_for may have found no work once and stopped the context
  loop.io().run_for(std::chrono::seconds(o.hold_s));
  measure();
  return r;
}

}  // namespace mqtt_scale
