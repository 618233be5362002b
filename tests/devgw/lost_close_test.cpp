// Options::lose_socket_closed: conn processes end, the handler is never told (spec §7: EMQX
// does not guarantee OnSocketClosed).
#include "rig.hpp"

#include <chrono>
#include <thread>

using namespace devgw_test;

namespace {

bool handler_heard_close(const TestHandler& handler, const std::string& conn) {
  const auto evs = handler.events();
  return Rig::has(evs, EventKind::socket_closed, conn);
}

}  // namespace

TEST_CASE("lose_socket_closed: conns end as usual but OnSocketClosed is never sent") {
  auto options = test_options();
  options.lose_socket_closed = true;
  Rig rig(options);
  TcpDevice hangs_up(rig.gw->listener_port(0));
  TcpDevice closed_by_handler(rig.gw->listener_port(0));
  const auto a = rig.conn_of(hangs_up.local_port());
  const auto b = rig.conn_of(closed_by_handler.local_port());

  hangs_up.close();
  CHECK(rig.gw->wait_for_close(a, 3s) == "{shutdown,tcp_closed}");
  closed_by_handler.write("CLOSE\n");
  CHECK(closed_by_handler.wait_closed());
  CHECK(rig.gw->wait_for_close(b, 3s) == "{shutdown,normal}");
  CHECK(rig.gw->live_connections() == 0);
  // The processes are gone for EMQX: the handler can only find out by asking.
  const auto probe = rig.handler.send(a, "");
  CHECK(probe.code == 2);
  CHECK(probe.message == "<<\"Connection process is not alive\">>");
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(handler_heard_close(rig.handler, a));
  CHECK_FALSE(handler_heard_close(rig.handler, b));

  // Switched off at run time, the next conn's close is delivered again.
  rig.gw->set_lose_socket_closed(false);
  TcpDevice later(rig.gw->listener_port(0));
  const auto c = rig.conn_of(later.local_port());
  later.close();
  CHECK(rig.closed_reason(c) == "{shutdown,tcp_closed}");
}

TEST_CASE("lose_socket_closed switched on at run time, streaming mode") {
  Rig rig(test_options(HandlerService::streaming));
  rig.gw->set_lose_socket_closed(true);
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.close();
  CHECK(rig.gw->wait_for_close(conn, 3s) == "{shutdown,tcp_closed}");
  std::this_thread::sleep_for(300ms);
  CHECK_FALSE(handler_heard_close(rig.handler, conn));
}
