// The legacy streaming service (ConnectionHandler): never-ending streams, reordered events.
#include <doctest/doctest.h>

#include "harness.h"
#include "tcp_client.h"

using namespace itest;
namespace devgw = exproto::devgw;

TEST_CASE("streaming: the jsonframe flow works over ConnectionHandler streams") {
  Stack s({.service = devgw::HandlerService::streaming});
  TcpClient dev(s.device_port());
  dev.write(connect_frame("st-1"));
  CHECK(dev.read_n(19) == R"({"type":2,"code":0})");
  dev.write(publish_frame("t/s", "v"));
  CHECK(dev.read_n(19) == R"({"type":4,"code":0})");
  dev.write(R"({"type":5,"topic":"t/back","qos":0})");
  CHECK(dev.read_n(19) == R"({"type":6,"code":0})");
  s.gw().publish("t/back", "d");
  const std::string frame = R"({"type":3,"topic":"t/back","qos":0,"payload":"d"})";
  CHECK(dev.read_n(frame.size()) == frame);
}

TEST_CASE("streaming: bytes that overtake OnSocketCreated are held and replayed in order") {
  Stack s({.service = devgw::HandlerService::streaming,
           .tweak_gateway = [](devgw::Options& o) { o.socket_created_stream_delay = 300ms; }});
  TcpClient dev(s.device_port());
  dev.write(connect_frame("st-late"));
  CHECK(dev.read_n(19, 5s) == R"({"type":2,"code":0})");
  CHECK(s.host().metrics().held_events.get() >= 1);
  CHECK(s.host().metrics().unknown_conn_events.get() == 0);
}

TEST_CASE("streaming: 40 devices at once over never-ending streams") {
  Stack s({.service = devgw::HandlerService::streaming});
  std::vector<std::unique_ptr<TcpClient>> devs;
  for (int i = 0; i < 40; ++i) {
    devs.push_back(std::make_unique<TcpClient>(s.device_port()));
    devs.back()->write(connect_frame("st-many-" + std::to_string(i)));
  }
  for (auto& d : devs) CHECK(d->read_n(19) == R"({"type":2,"code":0})");
  CHECK(s.host().dispatcher().session_count() == 40);
}
