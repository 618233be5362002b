// Timers, UDP, streaming mode, discard, authn/authz, control port, batching, shutdown.
#include "rig.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

using namespace devgw_test;

namespace {

std::vector<SeenEvent> events_of(const TestHandler& handler, const std::string& conn) {
  std::vector<SeenEvent> out;
  for (auto& e : handler.events())
    if (e.conn == conn) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("keepalive timeout: OnTimerTimeout, then {shutdown,keepalive_timeout}") {
  auto options = test_options();
  options.keepalive_check_interval = std::chrono::milliseconds(100);  // clamped up to 1 s
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  const auto start = std::chrono::steady_clock::now();
  dev.write("KA 1\n");
  CHECK(dev.read_line() == "0");
  // I=1 s: ticks every 1 s, max idle 1.5 s → timeout on the second idle tick (~2 s).
  CHECK(rig.closed_reason(conn, 5s) == "{shutdown,keepalive_timeout}");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1500));
  CHECK(dev.wait_closed());
  const auto evs = events_of(rig.handler, conn);
  REQUIRE(evs.size() >= 2);
  CHECK(evs[evs.size() - 2].kind == EventKind::timer_timeout);
  CHECK(evs.back().kind == EventKind::socket_closed);
}

TEST_CASE("after the device hangs up, queued events are flushed before OnSocketClosed") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("SLOW 300\n");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::received_bytes, conn); }));
  dev.write("after\n");  // queued behind the slow call
  dev.close();
  CHECK(rig.closed_reason(conn) == "{shutdown,tcp_closed}");
  const auto evs = events_of(rig.handler, conn);
  REQUIRE(evs.size() == 4);
  CHECK(evs[2].bytes == "after\n");
  CHECK(evs[3].kind == EventKind::socket_closed);
}

TEST_CASE("a handler stuck after the socket closed is cut off by force_close_timeout") {
  auto options = test_options();
  options.force_close_timeout = std::chrono::milliseconds(300);
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("SLOW 1500\n");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::received_bytes, conn); }));
  dev.write("queued\n");
  const auto closed_at = std::chrono::steady_clock::now();
  dev.close();
  CHECK(rig.gw->wait_for_close(conn, 3s) == "{shutdown,tcp_closed}");
  const auto took = std::chrono::steady_clock::now() - closed_at;
  CHECK(took >= std::chrono::milliseconds(250));
  CHECK(took < std::chrono::milliseconds(1200));  // long before the slow call returns
  CHECK(rig.gw->live_connections() == 0);
}

TEST_CASE("idle_timeout closes a TCP conn that never sends a byte") {
  auto options = test_options();
  options.idle_timeout = std::chrono::milliseconds(300);
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  CHECK(rig.closed_reason(conn) == "{shutdown,idle_timeout}");
  CHECK(dev.wait_closed());
}

TEST_CASE("UDP: one conn per peer, one event per datagram, only StartTimer stops idle_timeout") {
  auto options = test_options();
  options.listeners = {{SocketKind::udp, "127.0.0.1", 0}, {SocketKind::tcp, "127.0.0.1", 0}};
  options.idle_timeout = std::chrono::milliseconds(700);
  Rig rig(options);
  CHECK(rig.gw->listener_port(0) != rig.gw->listener_port(1));
  UdpDevice a(rig.gw->listener_port(0));
  UdpDevice b(rig.gw->listener_port(0));
  a.send("one");
  b.send("KA 5\n");
  const auto conn_a = rig.conn_of(a.local_port());
  const auto conn_b = rig.conn_of(b.local_port());
  CHECK(conn_a != conn_b);
  CHECK(b.receive() == "0\n");
  a.send("two");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) {
    int n = 0;
    for (const auto& e : evs)
      if (e.kind == EventKind::received_bytes && e.conn == conn_a) ++n;
    return n == 2;
  }));
  const auto evs = events_of(rig.handler, conn_a);
  CHECK(evs[0].socktype == 2);  // UDP
  CHECK(evs[0].sock_port == rig.gw->listener_port(0));
  CHECK(evs[1].bytes == "one");
  CHECK(evs[2].bytes == "two");
  // A is dropped although it sent data; B started keepalive and lives on.
  CHECK(rig.gw->wait_for_close(conn_a, 3s) == "{shutdown,idle_timeout}");
  CHECK(rig.gw->live_connections() == 1);
  CHECK_FALSE(Rig::has(rig.handler.events(), EventKind::socket_closed, conn_b));
  // A new datagram from A's address is a new conn process.
  a.send("three");
  REQUIRE(rig.gw->wait_for([&](const Records& r) {
    return std::count_if(r.opened.begin(), r.opened.end(),
                         [&](const ConnRecord& c) { return c.peer_port == a.local_port(); }) == 2;
  }, 3s));
}

TEST_CASE("the same clientid authenticated twice discards the older conn") {
  Rig rig;
  TcpDevice first(rig.gw->listener_port(0));
  const auto conn1 = rig.conn_of(first.local_port());
  first.write("AUTH same\n");
  CHECK(first.read_line() == "0");
  TcpDevice second(rig.gw->listener_port(0));
  const auto conn2 = rig.conn_of(second.local_port());
  second.write("AUTH same\n");
  CHECK(second.read_line() == "0");
  // Discarding bypasses EMQX's sock_closed flush, so OnSocketClosed itself is lost if conn1 still
  // had an event in flight; the gateway's own record always has the reason.
  CHECK(rig.gw->wait_for_close(conn1, 3s) == "{shutdown,discarded}");
  CHECK(first.wait_closed());
  second.write("PUB t/x still-here\n");
  CHECK(second.read_line() == "0");
  CHECK_FALSE(Rig::has(rig.handler.events(), EventKind::socket_closed, conn2));
}

TEST_CASE("authentication and authorization policies") {
  auto options = test_options();
  options.auth.clients = {{"dev1", "pw"}};
  options.auth.users = {{"alice", "secret"}};
  options.auth.deny_publish = {"sys/#"};
  options.auth.deny_subscribe = {"private/+"};
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  const auto wrong = rig.handler.authenticate(conn, "dev1", "nope");
  CHECK(wrong.code == 5);
  CHECK(wrong.message == "not_authorized");
  CHECK(rig.handler.authenticate(conn, "other", "x").message == "not_authorized");
  CHECK(rig.handler.authenticate(conn, "other", "secret", true, "alice").code == 0);  // retry allowed
  const auto deny = rig.handler.publish(conn, "sys/a/b", 0, "p");
  CHECK(deny.code == 5);
  CHECK(deny.message == "<<\"Authorization deny\">>");
  CHECK(rig.handler.subscribe(conn, "private/x", 0).message == "<<\"Authorization deny\">>");
  CHECK(rig.handler.subscribe(conn, "public/x", 0).code == 0);
  CHECK(rig.handler.publish(conn, "t/ok", 2, "p").code == 0);
  CHECK(rig.gw->snapshot().publishes.size() == 1);
}

TEST_CASE("deliveries are batched at most 11 per OnReceivedMessages") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("AUTH batch\nSUB b/#\n");
  CHECK(dev.read_line() == "0");
  CHECK(dev.read_line() == "0");
  for (int i = 0; i < 30; ++i) rig.gw->publish("b/" + std::to_string(i), std::to_string(i));
  std::vector<std::size_t> sizes;
  std::vector<std::string> order;
  REQUIRE(rig.handler.wait_for([&](const auto& evs) {
    sizes.clear();
    order.clear();
    for (const auto& e : evs)
      if (e.kind == EventKind::received_messages) {
        sizes.push_back(e.messages.size());
        for (const auto& m : e.messages) order.push_back(m.payload);
      }
    return order.size() == 30;
  }));
  for (auto s : sizes) CHECK(s <= 11);
  for (int i = 0; i < 30; ++i) CHECK(order[static_cast<std::size_t>(i)] == std::to_string(i));
}

TEST_CASE("streaming: events travel on per-conn streams and OnReceivedBytes can overtake OnSocketCreated") {
  auto options = test_options(HandlerService::streaming);
  options.socket_created_stream_delay = std::chrono::milliseconds(300);
  Rig rig(options);
  TcpDevice dev(rig.gw->listener_port(0));
  dev.write("AUTH s1\n");
  CHECK(dev.read_line() == "0");  // the handler's OnReceivedBytes stream drove Authenticate
  auto rec = rig.gw->wait_for_conn(dev.local_port(), 3s);
  REQUIRE(rec);
  const auto conn = rec->conn;
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::socket_created, conn); }));
  auto evs = events_of(rig.handler, conn);
  CHECK(evs[0].kind == EventKind::received_bytes);  // overtook the delayed OnSocketCreated
  CHECK(evs[0].streamed);
  CHECK(evs[1].kind == EventKind::socket_created);
  CHECK(evs[1].streamed);
  dev.close();
  CHECK(rig.closed_reason(conn) == "{shutdown,tcp_closed}");
  evs = events_of(rig.handler, conn);
  CHECK(evs.back().streamed);
}

TEST_CASE("streaming without delay keeps OnSocketCreated first and delivers messages") {
  Rig rig(test_options(HandlerService::streaming));
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("AUTH s2\nSUB s/#\n");
  CHECK(dev.read_line() == "0");
  CHECK(dev.read_line() == "0");
  rig.gw->publish("s/1", "m");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::received_messages, conn); }));
  dev.write("CLOSE\n");
  CHECK(rig.closed_reason(conn) == "{shutdown,normal}");
}

TEST_CASE("control port publishes into the broker") {
  auto options = test_options();
  options.control_bind = "127.0.0.1:0";
  Rig rig(options);
  REQUIRE(rig.gw->control_port());
  TcpDevice console(*rig.gw->control_port());
  console.write("PUB t/console hello there\n");
  CHECK(console.read_line() == "OK");
  console.write("SUB t/x\n");
  CHECK(console.read_line()->starts_with("ERR "));
  const auto r = rig.gw->snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "t/console");
  CHECK(r.publishes[0].payload == "hello there");
  CHECK(r.publishes[0].origin == PublishOrigin::console);
}

TEST_CASE("start fails cleanly on a taken port and stop is prompt with live conns") {
  Rig rig;
  auto clash = test_options();
  clash.listeners = {{SocketKind::tcp, "127.0.0.1", rig.gw->listener_port(0)}};
  clash.handler_address = rig.handler.address();
  auto failed = Gateway::start(clash);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().find("tcp listener") != std::string::npos);

  TcpDevice a(rig.gw->listener_port(0));
  TcpDevice b(rig.gw->listener_port(0));
  rig.conn_of(a.local_port());
  rig.conn_of(b.local_port());
  const auto start = std::chrono::steady_clock::now();
  rig.gw->stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(a.wait_closed());
  rig.gw->stop();  // idempotent
}

TEST_CASE("a handler that is down closes the conn with an on_socket_created error") {
  // Reserve a port, then free it, so nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  auto options = test_options();
  options.handler_address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  auto gw = Gateway::start(options);
  REQUIRE(gw);
  TcpDevice dev((*gw)->listener_port(0));
  auto rec = (*gw)->wait_for_conn(dev.local_port(), 3s);
  REQUIRE(rec);
  auto reason = (*gw)->wait_for_close(rec->conn, 5s);
  REQUIRE(reason);
  CHECK(reason->starts_with("{shutdown,{error,{on_socket_created,{unavailable,"));
  CHECK(dev.wait_closed());
}
