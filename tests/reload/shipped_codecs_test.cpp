// The shipped codecs migrate on a hot reload: a rebuilt line.so / jsonframe.so replaces the file
// under a connected device, and that device's session continues on the new generation in the
// middle of a conversation — logged in, subscribed, half a frame received — without reconnecting.
// The "rebuild" is the same library with bytes appended: a new SHA-256, as a real rebuild gives,
// while the ELF loader ignores the tail.
#include <doctest/doctest.h>

#include <fstream>

#include "host/metrics/metrics.h"
#include "reload_support.h"
#include "test_util.hpp"  // tests/jt808: JT/T 808 frame vectors

using namespace rtest;
namespace host = exproto::host;

namespace {

void install_rebuilt(const PluginsDir& dir, const std::string& codec) {
  const auto temp = dir.path() / ("." + codec + ".so.partial");
  std::filesystem::copy_file(shipped_codec(codec), temp, std::filesystem::copy_options::overwrite_existing);
  std::ofstream(temp, std::ios::app | std::ios::binary) << std::string("\0rebuilt", 8);
  std::filesystem::rename(temp, dir.path() / (codec + ".so"));
}

bool wait_generations(host::App& app, const std::string& codec, std::size_t n) {
  return itest::wait_until([&] {
    auto c = codec_status(app, codec);
    return c && c->generations.size() == n;
  });
}

}  // namespace

TEST_CASE("reload: a rebuilt line codec takes over a connected device mid-line") {
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "line", host::ReloadPolicy::migrate));
  auto status = codec_status(s.host(), "line");
  REQUIRE(status);
  CHECK(status->generations.back().migratable);
  itest::TcpClient dev(s.device_port());
  dev.write("CONNECT dev1\n");
  REQUIRE(dev.read_line() == "OK");
  dev.write("SUB t/down\n");
  REQUIRE(dev.read_line() == "OK");
  dev.write("PUB t/up hel");  // the rest of this line arrives after the reload

  install_rebuilt(dir, "line");
  REQUIRE(wait_generations(s.host(), "line", 2));
  dev.write("lo world\n");
  CHECK(dev.read_line() == "OK");
  CHECK(s.host().metrics().sessions_migrated.get() == 1);
  CHECK(s.host().metrics().migrate_failures.get() == 0);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].payload == "hello world");
  CHECK(r.publishes[0].from == "dev1");
  s.gw().publish("t/down", "after the reload");
  CHECK(dev.read_line() == "MSG t/down after the reload");
  CHECK(wait_generation_state(s.host(), 1, "unloaded", 5s, "line"));
  dev.write("QUIT\n");
  CHECK(dev.read_line() == "OK");
  CHECK(dev.wait_closed());
}

TEST_CASE("reload: a rebuilt jsonframe codec takes over a connected device mid-frame") {
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "jsonframe", host::ReloadPolicy::migrate));
  itest::TcpClient dev(s.device_port());
  dev.write(R"({"type":1,"clientinfo":{"clientid":"c1"},"password":"p"})");
  REQUIRE(dev.read_n(19) == R"({"type":2,"code":0})");
  dev.write(R"({"type":5,"topic":"t/down","qos":0})");
  REQUIRE(dev.read_n(19) == R"({"type":6,"code":0})");
  const std::string publish = R"({"type":3,"topic":"t/up","qos":0,"payload":"across"})";
  dev.write(publish.substr(0, 20));

  install_rebuilt(dir, "jsonframe");
  REQUIRE(wait_generations(s.host(), "jsonframe", 2));
  dev.write(publish.substr(20));
  CHECK(dev.read_n(19) == R"({"type":4,"code":0})");
  CHECK(s.host().metrics().sessions_migrated.get() == 1);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "t/up");
  CHECK(r.publishes[0].payload == "across");
  CHECK(wait_generation_state(s.host(), 1, "unloaded", 5s, "jsonframe"));
}

TEST_CASE("reload: a rebuilt jt808 codec takes over an authenticated terminal mid-frame") {
  using jt808test::unhex;
  namespace vec = jt808test::vec;
  PluginsDir dir;
  itest::Stack s(shipped_stack(dir, "jt808", host::ReloadPolicy::migrate));
  itest::TcpClient dev(s.device_port());
  const std::string reg_ack = unhex(vec::register_ack13), auth_ack = unhex(vec::auth_ack13);
  dev.write(unhex(vec::register13) + unhex(vec::auth13));
  REQUIRE(dev.read_n(reg_ack.size() + auth_ack.size()) == reg_ack + auth_ack);
  const std::string location = unhex(vec::location13);
  dev.write(location.substr(0, 25));

  install_rebuilt(dir, "jt808");
  REQUIRE(wait_generations(s.host(), "jt808", 2));
  dev.write(location.substr(25));
  const std::string ack = unhex(vec::location_ack13);
  CHECK(dev.read_n(ack.size()) == ack);  // the serial numbers continue: 0x8001 for msg_sn 2 is platform sn 2
  CHECK(s.host().metrics().sessions_migrated.get() == 1);
  auto r = s.gw().snapshot();
  REQUIRE(r.publishes.size() == 1);
  CHECK(r.publishes[0].topic == "jt808/013800138000/013800138000/up");
  CHECK(r.publishes[0].from == "013800138000");
  CHECK(wait_generation_state(s.host(), 1, "unloaded", 5s, "jt808"));
}
