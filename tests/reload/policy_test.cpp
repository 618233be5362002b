// Route reload policies: drain keeps old sessions on their generation (until a deadline),
// restart closes them, automatic drains when the new generation cannot import.
#include <doctest/doctest.h>

#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

TEST_CASE("reload drain: old sessions keep v1 until they close, new ones get v2, then v1 unloads") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::drain));
  auto a = std::make_unique<Device>(s.device_port());
  REQUIRE(a->exchange(3));
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));

  REQUIRE(a->exchange(3));
  CHECK(a->last_prefix() == "v1");
  CHECK(a->answered() == 6);
  Device b(s.device_port());
  REQUIRE(b.exchange(2));
  CHECK(b.last_prefix() == "v2");

  auto st = codec_status(s.host());
  REQUIRE(st);
  REQUIRE(st->generations.size() == 2);
  CHECK(st->generations[0].state == "retired");
  CHECK(st->generations[0].sessions == 1);
  CHECK(st->generations[1].sessions == 1);
  CHECK(mapped_counter_images() == 2);

  a.reset();  // the device disconnects: the last session of generation 1 ends
  CHECK(wait_generation_state(s.host(), 1, "unloaded"));
  CHECK(mapped_counter_images() == 1);
  REQUIRE(b.exchange(1));
}

TEST_CASE("reload drain: past the drain deadline a remaining session migrates") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::drain, 1000));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  REQUIRE(a.exchange(1));
  CHECK(a.last_prefix() == "v1");
  CHECK(itest::wait_until([&] { return s.host().metrics().sessions_migrated.get() == 1; }));
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v2");
  CHECK(a.answered() == 5);
}

TEST_CASE("reload restart: existing connections are closed, reconnections get v2") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::restart));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  CHECK(a.tcp().wait_closed());
  CHECK(s.host().metrics().sessions_restarted.get() == 1);
  Device b(s.device_port());
  REQUIRE(b.exchange(2));
  CHECK(b.last_prefix() == "v2");
  CHECK(wait_generation_state(s.host(), 1, "unloaded"));
}

TEST_CASE("reload automatic: a generation that cannot import makes old sessions drain") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::automatic));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  dir.install_by_rename("v20");
  REQUIRE(wait_current(s.host(), "2.0.0-nomigrate"));
  REQUIRE(a.exchange(2));
  CHECK(a.last_prefix() == "v1");
  CHECK(s.host().metrics().sessions_migrated.get() == 0);
  Device b(s.device_port());
  REQUIRE(b.exchange(1));
  CHECK(b.last_prefix() == "v2");
  auto st = codec_status(s.host());
  REQUIRE(st);
  CHECK_FALSE(st->generations[1].migratable);
  CHECK(st->generations[0].migratable);
}
