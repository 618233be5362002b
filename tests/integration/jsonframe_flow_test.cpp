// The jsonframe codec end to end: device socket → devgw → host → codec → ConnectionAdapter → devgw.
#include <doctest/doctest.h>

#include "harness.h"
#include "tcp_client.h"

#include <thread>

using namespace itest;
namespace devgw = exproto::devgw;

namespace {
constexpr const char* kConnackOk = R"({"type":2,"code":0})";
constexpr const char* kConnackFail = R"({"type":2,"code":1})";
constexpr const char* kPubackOk = R"({"type":4,"code":0})";
constexpr const char* kPubackFail = R"({"type":4,"code":1})";

std::string read_exact(TcpClient& c, const std::string& expected) {
  auto got = c.read_n(expected.size());
  REQUIRE_MESSAGE(got.has_value(), "expected " << expected << ", got " << c.pending());
  return *got;
}

void connect_ok(TcpClient& c, const std::string& clientid, int keepalive = 0) {
  c.write(connect_frame(clientid, "pw", keepalive));
  CHECK(read_exact(c, kConnackOk) == kConnackOk);
}

bool has_call(const devgw::Records& r, const std::string& method, devgw::ResultCode code) {
  for (const auto& c : r.adapter_calls)
    if (c.method == method && c.code == code) return true;
  return false;
}
}  // namespace

TEST_CASE("jsonframe: CONNECT authenticates and answers CONNACK 0") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-1");
  auto r = s.gw().snapshot();
  REQUIRE(has_call(r, "Authenticate", devgw::ResultCode::success));
  CHECK(r.adapter_calls[0].method == "Authenticate");  // before anything else of this conn
}

TEST_CASE("jsonframe: PUBLISH reaches the broker as the client and is PUBACKed") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-pub");
  dev.write(publish_frame("t/up", "hello", 1));
  CHECK(read_exact(dev, kPubackOk) == kPubackOk);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "t/up");
  CHECK(r.publishes[0].payload == "hello");
  CHECK(r.publishes[0].qos == 1);
  CHECK(r.publishes[0].from == "dev-pub");
  CHECK(r.publishes[0].origin == devgw::PublishOrigin::device);
}

TEST_CASE("jsonframe: SUBSCRIBE, delivery as a PUBLISH frame, UNSUBSCRIBE stops deliveries") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-sub");
  dev.write(R"({"type":5,"topic":"t/dn","qos":1})");
  CHECK(read_exact(dev, R"({"type":6,"code":0})") == R"({"type":6,"code":0})");
  s.gw().publish("t/dn", "echo", 0);
  const std::string frame = R"({"type":3,"topic":"t/dn","qos":0,"payload":"echo"})";
  CHECK(read_exact(dev, frame) == frame);
  dev.write(R"({"type":7,"topic":"t/dn"})");
  CHECK(read_exact(dev, R"({"type":8,"code":0})") == R"({"type":8,"code":0})");
  s.gw().publish("t/dn", "after", 0);
  // A marker on another subscription proves the unsubscribed message is not merely late.
  dev.write(R"({"type":5,"topic":"t/marker","qos":0})");
  CHECK(read_exact(dev, R"({"type":6,"code":0})") == R"({"type":6,"code":0})");
  s.gw().publish("t/marker", "m", 0);
  const std::string marker = R"({"type":3,"topic":"t/marker","qos":0,"payload":"m"})";
  CHECK(read_exact(dev, marker) == marker);
}

TEST_CASE("jsonframe: RAW_PUBLISH publishes without client identity") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-raw");
  dev.write(R"({"type":10,"topic":"t/raw","qos":0,"payload":"r"})");
  CHECK(read_exact(dev, kPubackOk) == kPubackOk);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].raw());
  CHECK(r.publishes[0].from == "exproto");
}

TEST_CASE("jsonframe: DISCONNECT closes the connection normally") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-bye");
  auto conn = s.gw().wait_for_conn(dev.local_port(), 3s);
  REQUIRE(conn);
  dev.write(R"({"type":9})");
  CHECK(dev.wait_closed());
  CHECK(s.gw().wait_for_close(conn->conn, 5s) == "{shutdown,normal}");
  REQUIRE(wait_until([&] { return s.host().dispatcher().session_count() == 0; }));
}

TEST_CASE("jsonframe: authentication denied answers CONNACK 1 and closes") {
  Stack s({.tweak_gateway = [](devgw::Options& o) { o.auth.clients = {{"dev-auth", "right"}}; }});
  TcpClient dev(s.device_port());
  dev.write(connect_frame("dev-auth", "wrong"));
  CHECK(read_exact(dev, kConnackFail) == kConnackFail);
  CHECK(dev.wait_closed());
  CHECK(has_call(s.gw().snapshot(), "Authenticate", devgw::ResultCode::permission_deny));
}

TEST_CASE("jsonframe: publish and subscribe denied by authorization answer code 1") {
  Stack s({.tweak_gateway = [](devgw::Options& o) {
    o.auth.deny_publish = {"secret/#"};
    o.auth.deny_subscribe = {"secret/#"};
  }});
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-deny");
  dev.write(publish_frame("secret/a", "x"));
  CHECK(read_exact(dev, kPubackFail) == kPubackFail);
  dev.write(R"({"type":5,"topic":"secret/b","qos":0})");
  CHECK(read_exact(dev, R"({"type":6,"code":1})") == R"({"type":6,"code":1})");
  CHECK(s.gw().snapshot().publishes.empty());
}

TEST_CASE("jsonframe: keepalive from clientinfo, silence ends in keepalive_timeout") {
  Stack s({.tweak_gateway = [](devgw::Options& o) { o.keepalive_check_interval = 200ms; }});
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-ka", 1);
  auto conn = s.gw().wait_for_conn(dev.local_port(), 3s);
  REQUIRE(conn);
  CHECK(has_call(s.gw().snapshot(), "StartTimer", devgw::ResultCode::success));
  CHECK(dev.wait_closed(6s));
  CHECK(s.gw().wait_for_close(conn->conn, 5s) == "{shutdown,keepalive_timeout}");
  // The codec answered the timeout with DISCONNECT + Close; EMQX had closed the socket already.
  CHECK(wait_records(s.gw(), [&](const devgw::Records& r) {
    for (const auto& e : r.events)
      if (e.kind == devgw::EventKind::timer_timeout && e.conn == conn->conn) return true;
    return false;
  }));
}

TEST_CASE("jsonframe: frames are cut at object boundaries, not at socket reads") {
  Stack s;
  TcpClient dev(s.device_port());
  connect_ok(dev, "dev-frames");
  const std::string two = publish_frame("t/1", "a") + " \n" + publish_frame("t/2", "b");
  dev.write(two);  // two frames in one write
  CHECK(read_exact(dev, std::string(kPubackOk) + kPubackOk) == std::string(kPubackOk) + kPubackOk);
  const std::string split = publish_frame("t/3", R"(split {not} \"q\")");
  dev.write(split.substr(0, 7));
  std::this_thread::sleep_for(50ms);  // let the first half travel as its own chunk
  dev.write(split.substr(7, 20));
  std::this_thread::sleep_for(50ms);
  dev.write(split.substr(27));
  CHECK(read_exact(dev, kPubackOk) == kPubackOk);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 3);
  CHECK(r.publishes[0].topic == "t/1");
  CHECK(r.publishes[1].topic == "t/2");
  CHECK(r.publishes[2].payload == R"(split {not} "q")");
}
