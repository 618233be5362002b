// Listener caps over real sockets: routes[].listener.max_connections resets TCP connections past
// the cap at accept, routes[].listener.max_peers drops datagrams of new UDP peers past the cap;
// the devices already served are untouched, and a place freed by a device leaving is taken again.
#include <doctest/doctest.h>

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>

#include "device_client.h"
#include "rig.h"

namespace ltest {

namespace {

// True when the host reset the connection (RST, not FIN) within `timeout`.
bool reset_by_host(TcpDevice& d, std::chrono::milliseconds timeout = 5s) {
  pollfd p{d.fd(), POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  char byte;
  return ::recv(d.fd(), &byte, 1, 0) < 0 && errno == ECONNRESET;
}

// A new device on `port` is served ("PING" answered), retried until `timeout`: the place of a
// device that left is given back when its conn is gone, a moment after its socket closed.
bool new_device_served(uint16_t port, std::chrono::milliseconds timeout = 5s) {
  return wait_until(
      [&] {
        TcpDevice d(port);
        return d.send("PING\n") && d.read_line(1s) == "PONG";
      },
      timeout);
}

}  // namespace

TEST_SUITE("listener caps") {

TEST_CASE("tcp: past max_connections a new connection is reset at accept, served ones stay") {
  RigOptions o;
  o.max_connections = 2;
  Rig r(o);
  TcpDevice a(r.port), b(r.port);
  REQUIRE(a.send("CONNECT cap-a\n"));
  CHECK(a.read_line() == "OK");
  REQUIRE(b.send("PING\n"));
  CHECK(b.read_line() == "PONG");

  TcpDevice over(r.port);  // the kernel completes the handshake; the host resets it at accept
  CHECK(reset_by_host(over));
  CHECK(r.stats.connections_over_cap.get() == 1);
  CHECK(r.stats.accepted.get() == 2);  // no conn, no session was made for it
  CHECK(r.dispatcher->session_count() == 2);

  REQUIRE(a.send("PUB t/x still served\n"));
  CHECK(a.read_line() == "OK");
  REQUIRE(b.send("PING\n"));
  CHECK(b.read_line() == "PONG");

  REQUIRE(a.send("QUIT\n"));
  CHECK(a.read_line() == "OK");
  CHECK(a.read_until_closed().has_value());
  CHECK(new_device_served(r.port));
}

TEST_CASE("tcp: max_connections counts the listener, not one io shard") {
  RigOptions o;
  o.max_connections = 3;
  o.shards = 2;
  Rig r(o);
  // SO_REUSEPORT spreads these over both shards; the cap holds for their sum.
  std::vector<std::unique_ptr<TcpDevice>> served;
  for (int i = 0; i < 3; ++i) {
    served.push_back(std::make_unique<TcpDevice>(r.port));
    REQUIRE(served.back()->send("PING\n"));
    CHECK(served.back()->read_line() == "PONG");
  }
  for (int i = 0; i < 4; ++i) {
    TcpDevice over(r.port);
    CHECK(reset_by_host(over));
  }
  CHECK(r.stats.connections_over_cap.get() == 4);
  CHECK(r.stats.accepted.get() == 3);
}

TEST_CASE("udp: past max_peers datagrams of a new peer are dropped, served peers stay") {
  RigOptions o;
  o.socktype = SockType::udp;
  o.max_peers = 1;
  Rig r(o);
  UdpDevice a(r.port), b(r.port);
  a.send("CONNECT peer-a");
  CHECK(a.recv() == "OK\n");

  b.send("PING");
  CHECK(wait_until([&] { return r.stats.udp_peers_over_cap.get() == 1; }));
  b.send("PING");
  CHECK(wait_until([&] { return r.stats.udp_peers_over_cap.get() == 2; }));
  CHECK(r.stats.accepted.get() == 1);
  CHECK(r.dispatcher->session_count() == 1);
  a.send("PING");
  CHECK(a.recv() == "PONG\n");  // the only reply on either socket: b got none
  CHECK_FALSE(b.recv(0ms).has_value());

  // The served peer leaves; the next datagram of the other one is served.
  a.send("QUIT");
  CHECK(a.recv() == "OK\n");
  std::optional<std::string> reply;
  CHECK(wait_until([&] {
    b.send("PING");
    reply = b.recv(500ms);
    return reply == "PONG\n";
  }));
}

}  // TEST_SUITE

}  // namespace ltest
