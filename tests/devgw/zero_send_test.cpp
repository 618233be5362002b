// A zero-length Send is EMQX's liveness probe (emqx-observed.md item 1), and the gateway counts
// probes apart from real writes.
#include "rig.hpp"

#include <chrono>

using namespace devgw_test;

TEST_CASE("zero-length Send: SUCCESS and no bytes for a live conn, CONN_PROCESS_NOT_ALIVE for a dead one") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());

  const auto live = rig.handler.send(conn, "");
  CHECK(live.grpc_status == 0);
  CHECK(live.code == 0);
  CHECK(live.message.empty());
  CHECK_FALSE(dev.read_line(300ms));  // nothing was written (and the socket is still open)
  CHECK(rig.handler.send(conn, "x\n").code == 0);
  CHECK(dev.read_line() == "x");  // the first bytes the device ever got

  dev.close();
  REQUIRE(rig.gw->wait_for_close(conn, 3s));
  const auto dead = rig.handler.send(conn, "");
  CHECK(dead.grpc_status == 0);
  CHECK(dead.code == 2);  // CONN_PROCESS_NOT_ALIVE
  CHECK(dead.message == "<<\"Connection process is not alive\">>");

  const auto r = rig.gw->snapshot();
  REQUIRE(r.adapter_calls.size() == 3);
  CHECK(r.adapter_calls[0].bytes == 0);
  CHECK(r.adapter_calls[0].code == ResultCode::success);
  CHECK(r.adapter_calls[1].bytes == 2);
  CHECK(r.adapter_calls[2].bytes == 0);
  CHECK(r.adapter_calls[2].code == ResultCode::conn_process_not_alive);
  const auto counters = rig.gw->adapter_counters();
  CHECK(counters.received.at("Send") == 3);
  CHECK(counters.answered.at("Send") == 3);
  CHECK(counters.zero_length_sends == 2);
  CHECK(counters.held() == 0);
}
