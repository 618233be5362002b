// /metrics after real reloads and failures: sessions by route and generation while a drain keeps
// two generations of one codec alive, hook errors by codec from a fixture codec's failing hook,
// and refused plugin files by reason after bad files really land in the watched folder.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "http_client.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

namespace {

// Drops `from` into `dir` as `name` the safe way (a rename), as an operator's install would.
void land(const std::filesystem::path& dir, const std::filesystem::path& from, const std::string& name) {
  const auto temp = dir / ("." + name + ".tmp");
  std::filesystem::copy_file(from, temp);
  std::filesystem::rename(temp, dir / name);
}

bool has(const std::string& text, const std::string& sample) { return text.find(sample + "\n") != std::string::npos; }

}  // namespace

TEST_CASE("metrics labels: sessions by route and generation, hook errors by codec, refused plugin files by reason") {
  PluginsDir dir;
  std::filesystem::copy_file(std::filesystem::path(EXPROTO_FIXTURE_DIR) / "fault_none" / "fault_none.so",
                             dir.path() / "fault_none.so");
  auto spec = counter_stack(dir, host::ReloadPolicy::drain);
  spec.listeners = {exproto::devgw::ListenerSpec{}, exproto::devgw::ListenerSpec{}};
  spec.routes = {itest::RouteSpec{0, "counter"}, itest::RouteSpec{1, "fault_none"}};
  spec.tweak_host = [tweak = spec.tweak_host](host::Config& c) {
    tweak(c);
    c.metrics.bind = "127.0.0.1:0";
  };
  itest::Stack s(spec);
  const auto port = static_cast<uint16_t>(s.host().metrics_port());
  REQUIRE(port != 0);
  const auto scrape = [&] { return itest::http_get(port, "/metrics"); };
  const std::string counter_route = "tcp:" + std::to_string(s.device_port(0));

  // Generation 1 serves one device; a reload without migration (drain) keeps it there while the
  // next device gets generation 2: one codec, one route, two generations alive.
  Device old_gen(s.device_port(0));
  REQUIRE(old_gen.exchange(2));
  dir.install_by_rename("v20");
  REQUIRE(wait_current(s.host(), "2.0.0-nomigrate"));
  Device new_gen(s.device_port(0));
  REQUIRE(new_gen.exchange(1));
  CHECK(new_gen.last_prefix() == "v2");
  const std::string sessions = scrape();
  CHECK(has(sessions, "exproto_codec_sessions{codec=\"counter\",route=\"" + counter_route +
                          "\",generation=\"1\",version=\"1.0.0\"} 1"));
  CHECK(has(sessions, "exproto_codec_sessions{codec=\"counter\",route=\"" + counter_route +
                          "\",generation=\"2\",version=\"2.0.0-nomigrate\"} 1"));
  CHECK(sessions.find("conn=\"") == std::string::npos);  // no label names a connection

  // A hook of the fault fixture returns an error status: counted under its codec and hook.
  itest::TcpClient failing(s.device_port(1));
  failing.write("FAIL\n");
  CHECK(failing.wait_closed());
  const std::string hook_error =
      "exproto_hook_errors_total{codec=\"fault_none\",hook=\"on_session_bytes\"} 1";
  CHECK(itest::wait_until([&] { return has(scrape(), hook_error); }));

  // Bad files land in the watched folder: each refused, counted by the check that refused it.
  std::ofstream(dir.path() / ".junk") << "not a shared object";
  std::filesystem::rename(dir.path() / ".junk", dir.path() / "junk.so");                     // dlopen
  land(dir.path(), fixture("bad_major"), "other.so");                                          // descriptor
  REQUIRE(::symlink((dir.path() / "fault_none.so").c_str(), (dir.path() / ".link").c_str()) == 0);
  std::filesystem::rename(dir.path() / ".link", dir.path() / "link.so");                     // file (a symlink)
  CHECK(itest::wait_until([&] {
    const auto m = scrape();
    return has(m, "exproto_plugin_files_refused_total{reason=\"dlopen\"} 1") &&
           has(m, "exproto_plugin_files_refused_total{reason=\"descriptor\"} 1") &&
           has(m, "exproto_plugin_files_refused_total{reason=\"file\"} 1");
  }));
  const std::string after = scrape();
  CHECK(has(after, "exproto_plugin_files_refused_total{reason=\"signature\"} 0"));
  CHECK(has(after, "exproto_plugin_watcher_running 1"));
  CHECK(has(after, "exproto_plugin_watcher_problems_total{problem=\"queue_overflow\"} 0"));
  // Still serving: the refusals changed nothing.
  CHECK(new_gen.exchange(1));
}
