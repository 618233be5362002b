// Gateway::crash(): what a `kill -9` of EMQX looks like to the handler (emqx-observed.md item 2).
#include "devgw/conn_id.hpp"
#include "net_probe.hpp"
#include "rig.hpp"

#include <chrono>
#include <thread>

using namespace devgw_test;

namespace {

bool any_socket_closed(const TestHandler& handler) {
  const auto evs = handler.events();
  return std::any_of(evs.begin(), evs.end(), [](const SeenEvent& e) { return e.kind == EventKind::socket_closed; });
}

}  // namespace

TEST_CASE("crash: devices closed, no OnSocketClosed, handler call cancelled, every connection and port dropped") {
  Rig rig;
  const auto handler_port = port_of(rig.handler.address());
  const auto adapter_port = rig.gw->adapter_port();
  TcpDevice quiet(rig.gw->listener_port(0));
  TcpDevice busy(rig.gw->listener_port(0));
  const auto quiet_conn = rig.conn_of(quiet.local_port());
  const auto busy_conn = rig.conn_of(busy.local_port());
  // The handler holds a ConnectionAdapter connection, as a host would, and one call of the
  // gateway's is still running at the handler when the gateway dies.
  CHECK(rig.handler.send(quiet_conn, "hi\n").code == 0);
  CHECK(quiet.read_line() == "hi");
  busy.write("HANG\n");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::received_bytes, busy_conn); }));
  REQUIRE(established_on(handler_port) > 0);
  REQUIRE(established_on(adapter_port) > 0);

  const auto start = std::chrono::steady_clock::now();
  rig.gw->crash();
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(connect_refused(adapter_port));
  CHECK(connect_refused(rig.gw->listener_port(0)));
  CHECK(quiet.wait_closed());
  CHECK(busy.wait_closed());
  CHECK(eventually([&] { return rig.handler.cancelled_calls() == 1; }));
  // Both HTTP/2 connections are gone, as they would be with the EMQX process.
  CHECK(eventually([&] { return established_on(handler_port) == 0 && established_on(adapter_port) == 0; }));
  CHECK(rig.gw->live_connections() == 0);
  CHECK(rig.gw->snapshot().closed.empty());  // no conn process ended: they vanished
  // "Never" cannot be waited for; give a late sender every chance first.
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(any_socket_closed(rig.handler));
  rig.gw->stop();  // nothing left to stop
  rig.gw->crash();
}

TEST_CASE("crash: a new gateway binds the same ports at once and answers CONN_PROCESS_NOT_ALIVE for old conns") {
  auto options = test_options();
  options.listeners = {{SocketKind::tcp, "127.0.0.1", 0}, {SocketKind::udp, "127.0.0.1", 0}};
  Rig rig(options);
  const auto tcp_port = rig.gw->listener_port(0);
  const auto udp_port = rig.gw->listener_port(1);
  const auto adapter_port = rig.gw->adapter_port();
  TcpDevice dev(tcp_port);
  const auto old_conn = rig.conn_of(dev.local_port());
  CHECK(rig.handler.send(old_conn, "hi\n").code == 0);
  CHECK(dev.read_line() == "hi");
  UdpDevice old_udp(udp_port);
  old_udp.send("x");
  REQUIRE(rig.gw->wait_for_conn(old_udp.local_port(), 3s));

  // The crashed object stays alive: a dead EMQX holds no port, so a new one binds them all.
  rig.gw->crash();
  auto again = test_options();
  again.listeners = {{SocketKind::tcp, "127.0.0.1", tcp_port}, {SocketKind::udp, "127.0.0.1", udp_port}};
  again.adapter_bind = "127.0.0.1:" + std::to_string(adapter_port);
  again.handler_address = rig.handler.address();
  auto restarted = Gateway::start(again);
  REQUIRE_MESSAGE(restarted.has_value(), (restarted ? "" : restarted.error()));
  auto& gw = **restarted;
  CHECK(gw.adapter_port() == adapter_port);

  // While one serves, the adapter port is not shared: gRPC's SO_REUSEPORT is off, as EMQX's
  // server gets eaddrinuse for a taken port.
  auto clash = again;
  clash.listeners = {{SocketKind::tcp, "127.0.0.1", 0}};
  CHECK_FALSE(Gateway::start(clash).has_value());

  rig.handler.set_adapter(gw.adapter_address());
  for (const std::string bytes : {"", "late\n"}) {
    const auto stale = rig.handler.send(old_conn, bytes);
    CHECK(stale.grpc_status == 0);
    CHECK(stale.code == 2);  // CONN_PROCESS_NOT_ALIVE
    CHECK(stale.message == "<<\"Connection process is not alive\">>");
  }

  TcpDevice fresh(tcp_port);
  const auto fresh_rec = gw.wait_for_conn(fresh.local_port(), 3s);
  REQUIRE(fresh_rec);
  const auto fresh_conn = fresh_rec->conn;
  REQUIRE(rig.handler.wait_for(
      [&](const auto& evs) { return Rig::has(evs, EventKind::socket_created, fresh_conn); }));
  CHECK(fresh_conn != old_conn);
  const auto old_pid = decode_conn_id(old_conn);
  const auto new_pid = decode_conn_id(fresh_conn);
  REQUIRE(old_pid);
  REQUIRE(new_pid);
  CHECK(old_pid->node == new_pid->node);
  CHECK(old_pid->creation != new_pid->creation);  // a new incarnation of the node
  CHECK(rig.handler.send(fresh_conn, "hello again\n").code == 0);
  CHECK(fresh.read_line() == "hello again");
  UdpDevice new_udp(udp_port);
  new_udp.send("y");
  CHECK(gw.wait_for_conn(new_udp.local_port(), 3s));
}

TEST_CASE("crash in streaming mode: streams are cut and OnSocketClosed is never written") {
  Rig rig(test_options(HandlerService::streaming));
  const auto handler_port = port_of(rig.handler.address());
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("hello\n");
  REQUIRE(rig.handler.wait_for([&](const auto& evs) { return Rig::has(evs, EventKind::received_bytes, conn); }));

  rig.gw->crash();
  CHECK(dev.wait_closed());
  CHECK(eventually([&] { return established_on(handler_port) == 0; }));
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(any_socket_closed(rig.handler));
}
