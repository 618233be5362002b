// The gateway against a real ConnectionUnaryHandler over loopback gRPC.
#include "rig.hpp"

#include <chrono>

using namespace devgw_test;

TEST_CASE("unary: Publish before Authenticate is unexpected_call, after it reaches the broker") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());

  dev.write("PUB t/up early\n");
  CHECK(dev.read_line() == "1");  // UNKNOWN
  dev.write("AUTH dev1\n");
  CHECK(dev.read_line() == "0");
  dev.write("PUB t/up hello\n");
  CHECK(dev.read_line() == "0");

  const auto r = rig.gw->snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "t/up");
  CHECK(r.publishes[0].payload == "hello");
  CHECK(r.publishes[0].from == "dev1");
  CHECK(r.publishes[0].qos == 0);
  CHECK_FALSE(r.publishes[0].raw());
  const auto early = std::find_if(r.adapter_calls.begin(), r.adapter_calls.end(),
                                  [](const auto& c) { return c.method == "Publish"; });
  REQUIRE(early != r.adapter_calls.end());
  CHECK(early->code == ResultCode::unknown);
  CHECK(early->message == "{error,unexpected_call}");

  const auto again = rig.handler.authenticate(conn, "dev1");
  CHECK(again.code == 5);
  CHECK(again.message == "<<\"Duplicated authenticate command\">>");

  // The conninfo carries the listener's port and the device's address.
  const auto evs = rig.handler.events();
  REQUIRE(evs.front().kind == EventKind::socket_created);
  CHECK(evs.front().sock_port == rig.gw->listener_port(0));
  CHECK(evs.front().peer_port == dev.local_port());
  CHECK(evs.front().peer_host == "127.0.0.1");
  CHECK(evs.front().socktype == 0);  // TCP
}

TEST_CASE("unary: subscriptions receive broker messages as OnReceivedMessages") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("AUTH dev2\n");
  CHECK(dev.read_line() == "0");
  dev.write("SUB t/down/+\n");
  CHECK(dev.read_line() == "0");
  dev.write("SUB other\n");
  CHECK(dev.read_line() == "0");

  const auto before_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                        std::chrono::system_clock::now().time_since_epoch())
                                                        .count());
  rig.gw->publish("t/down/1", "x", 1);
  Delivery got;
  REQUIRE(rig.handler.wait_for([&](const auto& evs) {
    for (const auto& e : evs)
      if (e.kind == EventKind::received_messages && e.conn == conn && !e.messages.empty()) {
        got = e.messages.front();
        return true;
      }
    return false;
  }));
  CHECK(got.topic == "t/down/1");
  CHECK(got.payload == "x");
  CHECK(got.qos == 1);
  CHECK(got.from == "devgw");
  CHECK(got.node == "devgw@127.0.0.1");
  CHECK(got.id.size() == 32);
  CHECK(got.timestamp_ms >= before_ms);
  CHECK(got.timestamp_ms < before_ms + 60000);

  // After Unsubscribe the filter no longer matches; a later message on another filter proves
  // the first one was not merely slow.
  dev.write("UNSUB t/down/+\n");
  CHECK(dev.read_line() == "0");
  rig.gw->publish("t/down/2", "y");
  rig.gw->publish("other", "z");
  std::vector<std::string> payloads;
  REQUIRE(rig.handler.wait_for([&](const auto& evs) {
    payloads.clear();
    for (const auto& e : evs)
      for (const auto& m : e.messages) payloads.push_back(m.payload);
    return std::find(payloads.begin(), payloads.end(), "z") != payloads.end();
  }));
  CHECK(std::find(payloads.begin(), payloads.end(), "y") == payloads.end());
}

TEST_CASE("unary: Close ends the conn with {shutdown,normal} and later calls find no process") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("AUTH dev3\n");
  CHECK(dev.read_line() == "0");
  dev.write("CLOSE\n");
  CHECK(dev.wait_closed());
  CHECK(rig.closed_reason(conn) == "{shutdown,normal}");
  CHECK(rig.gw->wait_for_close(conn, 3s) == "{shutdown,normal}");
  const auto late = rig.handler.send(conn, "x");
  CHECK(late.code == 2);
  CHECK(late.message == "<<\"Connection process is not alive\">>");
  CHECK(rig.gw->live_connections() == 0);
  // OnSocketClosed is the last event of the conn.
  const auto evs = rig.handler.events();
  CHECK(evs.back().kind == EventKind::socket_closed);
}

TEST_CASE("unary: a device that hangs up gives {shutdown,tcp_closed}") {
  Rig rig;
  auto dev = std::make_unique<TcpDevice>(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev->local_port());
  dev.reset();
  CHECK(rig.closed_reason(conn) == "{shutdown,tcp_closed}");
}

TEST_CASE("unary: a failing handler call closes the device with EMQX's error reason") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());
  dev.write("FAIL\n");
  CHECK(dev.wait_closed());
  CHECK(rig.gw->wait_for_close(conn, 3s) == "{shutdown,{error,{on_received_bytes,{unimplemented,<<\"nope\">>}}}}");
  CHECK(rig.closed_reason(conn) == "{shutdown,{error,{on_received_bytes,{unimplemented,<<\"nope\">>}}}}");
}

TEST_CASE("adapter: EMQX result codes and strings for bad requests") {
  Rig rig;
  TcpDevice dev(rig.gw->listener_port(0));
  const auto conn = rig.conn_of(dev.local_port());

  const auto bad = rig.handler.send("garbage", "x");
  CHECK(bad.code == 1);
  CHECK(bad.message == "{error,'UNKNOWN',<<\"Unknown crashes\">>}");
  CHECK(rig.handler.close("").message == "{error,'UNKNOWN',<<\"Unknown crashes\">>}");

  const auto no_info = rig.handler.authenticate(conn, "x", "", /*with_clientinfo=*/false);
  CHECK(no_info.grpc_status == 13);  // INTERNAL

  const auto zero = rig.handler.start_timer(conn, 0, 0);
  CHECK(zero.code == 1);
  CHECK(zero.message == "{error,'PARAMS_TYPE_ERROR'}");
  CHECK(rig.handler.start_timer(conn, 1, 5).message == "{error,'PARAMS_TYPE_ERROR'}");
  CHECK(rig.handler.start_timer(conn, 0, 5).code == 0);

  CHECK(rig.handler.publish(conn, "t", 3, "p").message == "{error,'PARAMS_TYPE_ERROR'}");
  CHECK(rig.handler.subscribe(conn, "t", 3).message == "{error,'PARAMS_TYPE_ERROR'}");
  CHECK(rig.handler.subscribe(conn, "t", 0).message == "{error,unexpected_call}");
  CHECK(rig.handler.unsubscribe(conn, "t").message == "{error,unexpected_call}");
  CHECK(rig.handler.send(conn, "hi\n").code == 0);  // Send works before Authenticate
  CHECK(dev.read_line() == "hi");

  CHECK(rig.handler.raw_publish("t/raw", 3, "p").grpc_status == 13);
  CHECK(rig.handler.raw_publish("t/raw", 1, "p").code == 0);
  const auto r = rig.gw->snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].raw());
  CHECK(r.publishes[0].from == "exproto");
  CHECK(r.publishes[0].qos == 1);
  // Every call above is recorded with its result.
  CHECK(r.adapter_calls.size() == 13);
}
