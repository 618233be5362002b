// Broken releases: a codec for another ABI major, or one whose creation fails, never replaces the
// generation that serves; the failure is visible in the status with its reason.
#include <doctest/doctest.h>

#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

TEST_CASE("reload: a broken v3 (wrong ABI major, failing create) leaves v2 serving") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");

  dir.install_by_rename("bad_major");
  REQUIRE(itest::wait_until([&] { return s.host().metrics().codec_load_failures.get() == 1; }));
  auto st = codec_status(s.host());
  REQUIRE(st);
  CHECK(st->last_failure.find("ABI major 2") != std::string::npos);
  CHECK(st->last_failure_file == dir.codec_file().string());
  CHECK(st->generations.back().version == "2.0.0");
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");

  dir.install_in_place("v3");
  REQUIRE(itest::wait_until([&] { return s.host().metrics().codec_load_failures.get() == 2; }));
  st = codec_status(s.host());
  REQUIRE(st);
  CHECK(st->last_failure.find("failed to create") != std::string::npos);
  CHECK(st->last_failure.find("broken release") != std::string::npos);
  CHECK(st->generations.back().version == "2.0.0");
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");
  CHECK(a.answered() == 8);
  Device b(s.device_port());
  REQUIRE(b.exchange(1));
  CHECK(b.last_prefix() == "v2");
  // The refused libraries left the process again.
  CHECK(itest::wait_until([] { return mapped_counter_images() == 1; }));
}
