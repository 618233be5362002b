// UDP device listeners: a peer address is a session, a datagram is one event, a Send is one
// datagram; a quiet peer ends by idle_timeout.
#include <doctest/doctest.h>

#include "device_client.h"
#include "rig.h"

namespace ltest {

TEST_SUITE("listener udp") {

TEST_CASE("udp: every peer address is its own session and datagram boundaries are kept") {
  RigOptions o;
  o.socktype = SockType::udp;
  Rig r(o);
  UdpDevice a(r.port);
  UdpDevice b(r.port);
  // The line codec ends a line at the end of a datagram: merged datagrams would make one line.
  a.send("CONNECT peer-a");
  CHECK(a.recv() == "OK\n");
  b.send("CONNECT peer-b");
  CHECK(b.recv() == "OK\n");
  a.send("PUB t/a one");
  a.send("PUB t/a two");
  a.send("PUB t/a three");
  CHECK(a.recv() == "OK\n");
  CHECK(a.recv() == "OK\n");
  CHECK(a.recv() == "OK\n");
  b.send("PING");
  CHECK(b.recv() == "PONG\n");
  const auto pubs = r.broker.calls_of(EXPROTO_CALL_PUBLISH);
  REQUIRE(pubs.size() == 3);
  CHECK(pubs[0].data == "one");
  CHECK(pubs[1].data == "two");
  CHECK(pubs[2].data == "three");
  const auto ca = r.broker.conn_of("peer-a");
  const auto cb = r.broker.conn_of("peer-b");
  REQUIRE(ca);
  REQUIRE(cb);
  CHECK(*ca != *cb);
  CHECK(pubs[0].conn == *ca);
  CHECK(r.dispatcher->session_count() == 2);
}

TEST_CASE("udp: each Send is one datagram to the peer") {
  RigOptions o;
  o.socktype = SockType::udp;
  o.codec_so = CONNINFO_SO;
  Rig r(o);
  UdpDevice d(r.port);
  d.send("hi");
  CHECK(d.recv() == "open udp 127.0.0.1:" + std::to_string(d.local_port()) + " " + std::to_string(r.port) +
                        " cn= dn=\n");
  CHECK(d.recv() == "hi");  // echoed as its own datagram
  d.send("x");
  d.send("yz");
  CHECK(d.recv() == "x");
  CHECK(d.recv() == "yz");
}

TEST_CASE("udp: a quiet peer is ended by idle_timeout, then its next datagram opens a new session") {
  RigOptions o;
  o.socktype = SockType::udp;
  o.idle_timeout_s = 1;
  Rig r(o);
  UdpDevice d(r.port);
  d.send("CONNECT q1");
  REQUIRE(d.recv() == "OK\n");
  const auto first = r.broker.conn_of("q1");
  REQUIRE(first);
  CHECK(r.lifecycle.wait_closed(*first, 4s) == true);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
  d.send("CONNECT q2");
  CHECK(d.recv() == "OK\n");
  const auto second = r.broker.conn_of("q2");
  REQUIRE(second);
  CHECK(*second != *first);
}

TEST_CASE("udp: a keepalive replaces the idle timeout and ends a peer that stops sending") {
  RigOptions o;
  o.socktype = SockType::udp;
  o.idle_timeout_s = 1;
  o.codec_config = R"({"keepalive":2})";
  Rig r(o);
  UdpDevice d(r.port);
  const auto started = std::chrono::steady_clock::now();
  d.send("CONNECT k1");
  REQUIRE(d.recv() == "OK\n");
  const auto conn = r.broker.conn_of("k1");
  REQUIRE(conn);
  CHECK(r.lifecycle.wait_closed(*conn, 6s) == true);
  CHECK(std::chrono::steady_clock::now() - started >= 2900ms);  // 1.5 x 2 s, not the 1 s idle timeout
}

}  // TEST_SUITE

}  // namespace ltest
