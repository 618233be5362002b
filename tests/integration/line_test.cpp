// The line codec over a real TCP socket, as a person with nc would use it.
#include <doctest/doctest.h>

#include "harness.h"
#include "tcp_client.h"

using namespace itest;
namespace devgw = exproto::devgw;

TEST_CASE("line: CONNECT, PUB, SUB and a delivery as MSG") {
  Stack s({.routes = {RouteSpec{0, "line"}}});
  TcpClient dev(s.device_port());
  dev.write("CONNECT dev1\r\n");
  CHECK(dev.read_line() == "OK");
  dev.write("PUB t/up hello world\n");
  CHECK(dev.read_line() == "OK");
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "t/up");
  CHECK(r.publishes[0].payload == "hello world");
  CHECK(r.publishes[0].from == "dev1");
  dev.write("SUB t/down\n");
  CHECK(dev.read_line() == "OK");
  s.gw().publish("t/down", "hi there");
  CHECK(dev.read_line() == "MSG t/down hi there");
  dev.write("PING\n");
  CHECK(dev.read_line() == "PONG");
  dev.write("QUIT\n");
  CHECK(dev.read_line() == "OK");
  CHECK(dev.wait_closed());
}

TEST_CASE("line: commands before CONNECT are refused locally, the connection stays") {
  Stack s({.routes = {RouteSpec{0, "line"}}});
  TcpClient dev(s.device_port());
  dev.write("PUB t/up x\n");
  auto line = dev.read_line();
  REQUIRE(line);
  CHECK(line->rfind("ERROR", 0) == 0);
  dev.write("CONNECT dev2\n");
  CHECK(dev.read_line() == "OK");
  CHECK(s.gw().snapshot().publishes.empty());
}
