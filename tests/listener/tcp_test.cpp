// TCP device listeners end to end: real sockets on loopback, the real Dispatcher and the shipped
// line codec; BrokerDouble (a test double, not a broker) answers the MQTT kinds.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "device_client.h"
#include "host/listener/close_reason.h"
#include "rig.h"

namespace ltest {

namespace {
UpstreamCall make_call(exproto_type_call_kind kind, const std::string& conn, std::string data = {}) {
  UpstreamCall c;
  c.kind = kind;
  c.conn = conn;
  c.data = std::move(data);
  return c;
}
}  // namespace

TEST_SUITE("listener tcp") {

TEST_CASE("tcp: CONNECT, SUB and PUB through the line codec get their replies, the MQTT kinds reach the broker side") {
  Rig r;
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT dev1 alice secret\n"));
  CHECK(d.read_line() == "OK");
  REQUIRE(d.send("SUB a/b 1\nPUB t/1 hello world\nPING\n"));
  CHECK(d.read_line() == "OK");
  CHECK(d.read_line() == "OK");
  CHECK(d.read_line() == "PONG");
  const auto auth = r.broker.calls_of(EXPROTO_CALL_AUTHENTICATE);
  REQUIRE(auth.size() == 1);
  CHECK(auth[0].clientinfo.clientid == "dev1");
  CHECK(auth[0].clientinfo.username == "alice");
  CHECK(auth[0].data == "secret");
  CHECK(auth[0].conn.starts_with("n"));
  CHECK(r.io->shard_of(auth[0].conn).has_value());
  const auto subs = r.broker.calls_of(EXPROTO_CALL_SUBSCRIBE);
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].topic == "a/b");
  CHECK(subs[0].qos == 1);
  const auto pubs = r.broker.calls_of(EXPROTO_CALL_PUBLISH);
  REQUIRE(pubs.size() == 1);
  CHECK(pubs[0].topic == "t/1");
  CHECK(pubs[0].data == "hello world");
  CHECK(r.dispatcher->session_count() == 1);
}

TEST_CASE("tcp: the session is opened with the socket's addresses") {
  RigOptions o;
  o.codec_so = CONNINFO_SO;
  Rig r(o);
  TcpDevice d(r.port);
  CHECK(d.read_line() ==
        "open tcp 127.0.0.1:" + std::to_string(d.local_port()) + " " + std::to_string(r.port) + " cn= dn=");
  REQUIRE(d.send("echo me"));
  CHECK(d.read_exact(7) == "echo me");
}

TEST_CASE("tcp: Send calls reach the device in the order they were made") {
  Rig r;
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT dev2\n"));
  REQUIRE(d.read_line() == "OK");
  const auto conn = r.broker.conn_of("dev2");
  REQUIRE(conn);
  std::string expected;
  std::atomic<int> answered{0};
  for (int i = 0; i < 300; ++i) {
    const std::string part = "m" + std::to_string(i) + ";";
    expected += part;
    r.upstream->call(make_call(EXPROTO_CALL_SEND, *conn, part), [&](UpstreamResult res) {
      CHECK(res.code == EXPROTO_RESULT_SUCCESS);
      ++answered;
    });
  }
  CHECK(d.read_exact(expected.size()) == expected);
  CHECK(wait_until([&] { return answered == 300; }));
}

TEST_CASE("tcp: Close writes what is queued, then closes, the broker side hears a normal end") {
  Rig r;
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT dev3\n"));
  REQUIRE(d.read_line() == "OK");
  const auto conn = r.broker.conn_of("dev3");
  REQUIRE(conn);
  const std::string big(512 * 1024, 'x');
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, *conn, big)) == EXPROTO_RESULT_SUCCESS);
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, *conn, "tail")) == EXPROTO_RESULT_SUCCESS);
  CHECK(r.call(make_call(EXPROTO_CALL_CLOSE, *conn)) == EXPROTO_RESULT_SUCCESS);
  const auto all = d.read_until_closed();
  REQUIRE(all);
  CHECK(all->size() == big.size() + 4);
  CHECK(all->ends_with("xtail"));
  CHECK(r.lifecycle.wait_closed(*conn) == false);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
  // The device is gone: the liveness probe (a zero-length Send) and Close say so as EMQX does
  // for a dead conn; a Send with bytes is answered at once (SUCCESS) and its bytes go nowhere.
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, *conn)) == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE);
  CHECK(r.call(make_call(EXPROTO_CALL_CLOSE, *conn)) == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE);
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, *conn, "late")) == EXPROTO_RESULT_SUCCESS);
}

TEST_CASE("tcp: the codec's own Close (QUIT) flushes its reply first") {
  Rig r;
  TcpDevice d(r.port);
  REQUIRE(d.send("PING\nQUIT\n"));
  CHECK(d.read_until_closed() == "PONG\nOK\n");
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
}

TEST_CASE("tcp: a device that closes ends its session and the broker side hears it vanished") {
  Rig r;
  auto d = std::make_unique<TcpDevice>(r.port);
  REQUIRE(d->send("CONNECT dev4\n"));
  REQUIRE(d->read_line() == "OK");
  const auto conn = r.broker.conn_of("dev4");
  REQUIRE(conn);
  d.reset();
  CHECK(r.lifecycle.wait_closed(*conn) == true);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0 && r.table->size() == 0; }));
  CHECK(r.stats.conns_closed.get() == 1);
}

TEST_CASE("tcp: calls for unknown conns and bad keepalive intervals answer as EMQX does") {
  Rig r;
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT live\n"));
  REQUIRE(d.read_line() == "OK");
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, *r.broker.conn_of("live"))) == EXPROTO_RESULT_SUCCESS);  // probe: alive
  CHECK(r.call(make_call(EXPROTO_CALL_SEND, "n0.0.999")) == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE);
  CHECK(r.call(make_call(EXPROTO_CALL_CLOSE, "g2gCZAAN")) == EXPROTO_RESULT_CONN_PROCESS_NOT_ALIVE);
  auto keepalive = make_call(EXPROTO_CALL_START_KEEPALIVE, "n0.0.999");
  keepalive.interval_s = 0;
  CHECK(r.call(keepalive) == EXPROTO_RESULT_UNKNOWN);
  // The MQTT kinds go to the broker side whatever the conn.
  auto pub = make_call(EXPROTO_CALL_RAW_PUBLISH, "");
  pub.topic = "raw";
  CHECK(r.call(pub) == EXPROTO_RESULT_SUCCESS);
  CHECK(r.broker.calls_of(EXPROTO_CALL_RAW_PUBLISH).size() == 1);
}

TEST_CASE("tcp: keepalive closes a device that sends nothing for 1.5 x the interval") {
  RigOptions o;
  o.codec_config = R"({"keepalive":1})";
  Rig r(o);
  TcpDevice quiet(r.port);
  TcpDevice chatty(r.port);
  REQUIRE(quiet.send("CONNECT quiet\n"));
  REQUIRE(chatty.send("CONNECT chatty\n"));
  REQUIRE(quiet.read_line() == "OK");
  REQUIRE(chatty.read_line() == "OK");
  const auto started = std::chrono::steady_clock::now();
  // chatty sends every 400 ms; quiet nothing.
  std::optional<std::string> quiet_rest;
  while (std::chrono::steady_clock::now() - started < 2500ms) {
    REQUIRE(chatty.send("PING\n"));
    CHECK(chatty.read_line() == "PONG");
    std::this_thread::sleep_for(400ms);
  }
  quiet_rest = quiet.read_until_closed(3s);
  REQUIRE(quiet_rest);
  CHECK(quiet_rest->empty());  // the keepalive hook's own words are not delivered (EMQX)
  const auto quiet_conn = r.broker.conn_of("quiet");
  REQUIRE(quiet_conn);
  CHECK(r.lifecycle.wait_closed(*quiet_conn) == true);
  const auto chatty_conn = r.broker.conn_of("chatty");
  REQUIRE(chatty_conn);
  CHECK(r.lifecycle.wait_closed(*chatty_conn, 10ms) == std::nullopt);
  REQUIRE(chatty.send("PING\n"));
  CHECK(chatty.read_line() == "PONG");
}

TEST_CASE("tcp: the keepalive timeout is not early") {
  RigOptions o;
  o.codec_config = R"({"keepalive":1})";
  Rig r(o);
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT k\n"));
  REQUIRE(d.read_line() == "OK");
  const auto connected = std::chrono::steady_clock::now();
  REQUIRE(d.read_until_closed(5s));
  const auto waited = std::chrono::steady_clock::now() - connected;
  CHECK(waited >= 1400ms);
  CHECK(waited < 3500ms);
}

TEST_CASE("tcp: idle_timeout closes a device that never sends a byte, not one that did") {
  RigOptions o;
  o.idle_timeout_s = 1;
  Rig r(o);
  TcpDevice silent(r.port);
  TcpDevice spoke(r.port);
  REQUIRE(spoke.send("PING\n"));
  REQUIRE(spoke.read_line() == "PONG");
  CHECK(silent.read_until_closed(4s) == std::string());
  CHECK(spoke.read_until_closed(1000ms) == std::nullopt);  // still open, no keepalive asked
  CHECK(r.lifecycle.count() == 1);
}

TEST_CASE("tcp: a device that does not read is closed once its write queue passes the limit") {
  RigOptions o;
  o.limits.max_write_queue_bytes = 256 * 1024;
  Rig r(o);
  TcpDevice d(r.port);
  REQUIRE(d.send("CONNECT slowreader\n"));
  const auto conn = r.broker.conn_of("slowreader");
  REQUIRE(conn);
  const std::string chunk(64 * 1024, 'y');
  // Kernel buffers take some megabytes first; Send answers SUCCESS throughout, as EMQX does.
  for (int i = 0; i < 400 && r.stats.write_queue_overflows.get() == 0; ++i) {
    CHECK(r.call(make_call(EXPROTO_CALL_SEND, *conn, chunk)) == EXPROTO_RESULT_SUCCESS);
  }
  CHECK(r.stats.write_queue_overflows.get() == 1);
  CHECK(r.lifecycle.wait_closed(*conn) == true);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
}

TEST_CASE("tcp: stopping the listeners ends every device with a normal end") {
  Rig r;
  TcpDevice a(r.port);
  TcpDevice b(r.port);
  REQUIRE(a.send("CONNECT a\n"));
  REQUIRE(b.send("CONNECT b\n"));
  REQUIRE(a.read_line() == "OK");
  REQUIRE(b.read_line() == "OK");
  r.listeners->stop();
  CHECK(a.read_until_closed());
  CHECK(b.read_until_closed());
  CHECK(r.lifecycle.wait_closed(*r.broker.conn_of("a")) == false);
  CHECK(r.lifecycle.wait_closed(*r.broker.conn_of("b")) == false);
  CHECK(wait_until([&] { return r.dispatcher->session_count() == 0; }));
}

TEST_CASE("tcp: socket errors are named as EMQX names them") {
  CHECK(close_reason::socket_error(boost::asio::error::connection_reset) == "{shutdown,econnreset}");
  CHECK(close_reason::socket_error(boost::asio::error::timed_out) == "{shutdown,etimedout}");
  CHECK(close_reason::socket_error(boost::asio::error::broken_pipe) == "{shutdown,epipe}");
}

}  // TEST_SUITE

}  // namespace ltest
