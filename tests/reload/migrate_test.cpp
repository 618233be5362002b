// Migration under load: many devices stream lines while the codec file is replaced; every answer
// must arrive exactly once, in order, and the per-session counter must continue on v2.
#include <doctest/doctest.h>

#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

namespace {

constexpr int kDevices = 40;

void replace_under_load(bool by_rename) {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Load load(s.device_port(), kDevices);
  REQUIRE(load.wait_progress(20));
  REQUIRE(load.errors().empty());
  REQUIRE(mapped_counter_images() == 1);

  if (by_rename) {
    dir.install_by_rename("v2");
  } else {
    dir.install_in_place("v2");
  }
  REQUIRE(wait_current(s.host(), "2.0.0"));
  // Every session migrates at its next event; afterwards all answers come from v2.
  REQUIRE(itest::wait_until([&] { return s.host().metrics().sessions_migrated.get() == kDevices; }));
  REQUIRE(load.wait_progress(20));
  load.stop();

  for (const auto& e : load.errors()) FAIL_CHECK(e);
  MESSAGE(kDevices << " devices: " << load.answered_by("v1") << " answers from v1, " << load.answered_by("v2")
                   << " from v2, migrations " << s.host().metrics().sessions_migrated.get());
  CHECK(load.answered_by("v1") > 0);
  CHECK(load.answered_by("v2") > 0);
  CHECK(load.reversals() == 0);
  CHECK(load.all_last("v2"));
  // Send results pending at the migration reached the new generation, none lost or doubled.
  for (const auto& p : load.check_results()) FAIL_CHECK(p);
  CHECK(s.host().metrics().migrate_failures.get() == 0);
  // Nothing uses generation 1 any more: destroyed, unloaded, and gone from the process.
  CHECK(wait_generation_state(s.host(), 1, "unloaded"));
  CHECK(mapped_counter_images() == 1);
  CHECK(s.host().metrics().codec_unloads.get() == 1);
  CHECK(s.host().metrics().codec_unload_leaks.get() == 0);
}

}  // namespace

TEST_CASE("reload: replace by rename under load migrates every session, nothing lost or reordered") {
  replace_under_load(true);
}

TEST_CASE("reload: replace by in-place copy under load migrates every session, nothing lost or reordered") {
  replace_under_load(false);
}

TEST_CASE("reload: rollback returns sessions to the previous generation, counters continue") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Device a(s.device_port());
  REQUIRE(a.exchange(3));
  CHECK(a.last_prefix() == "v1");
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  REQUIRE(a.exchange(3));
  CHECK(a.last_prefix() == "v2");

  auto back = s.host().reloader().rollback("counter");
  REQUIRE_MESSAGE(back.has_value(), (back ? "" : back.error()));
  REQUIRE(wait_current(s.host(), "1.0.0"));
  REQUIRE(a.exchange(3));
  CHECK(a.last_prefix() == "v1");
  CHECK(a.answered() == 9);
  auto st = codec_status(s.host());
  REQUIRE(st);
  REQUIRE(st->generations.size() == 3);
  CHECK(st->generations[2].sha256 == st->generations[0].sha256);
  CHECK(st->generations[2].sessions == 1);
  // Generations 1 and 2 are left by everyone: both unloaded.
  CHECK(wait_generation_state(s.host(), 1, "unloaded"));
  CHECK(wait_generation_state(s.host(), 2, "unloaded"));
  CHECK(mapped_counter_images() == 1);
}

TEST_CASE("reload: an explicit reload of unchanged bytes is a no-op") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  auto r = s.host().reloader().reload("counter");
  REQUIRE(r.has_value());
  CHECK(*r == "unchanged");
  CHECK(codec_status(s.host())->generations.size() == 1);
  CHECK_FALSE(s.host().reloader().reload("nope").has_value());
}

TEST_CASE("reload: a host timer started on v1 fires into the migrated session on v2") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Device a(s.device_port());
  REQUIRE(a.exchange(2));
  a.tcp().write("TIMER 1500\n");  // long enough to outlast the reload even on a slow machine
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  REQUIRE(a.exchange(1));  // this event migrates the session
  CHECK(a.last_prefix() == "v2");
  CHECK(a.tcp().read_line() == "v2:timer 2");
  REQUIRE(a.exchange(1));
  CHECK(a.answered() == 4);
}

TEST_CASE("reload: repeated swaps back and forth under load lose nothing and unload every old generation") {
  PluginsDir dir;
  itest::Stack s(counter_stack(dir, host::ReloadPolicy::migrate));
  Load load(s.device_port(), 20);
  REQUIRE(load.wait_progress(8));
  for (int round = 0; round < 6; ++round) {
    const bool to_v2 = round % 2 == 0;
    dir.install_by_rename(to_v2 ? "v2" : "v1");
    REQUIRE(wait_current(s.host(), to_v2 ? "2.0.0" : "1.0.0"));
    REQUIRE(load.wait_progress(8));
    REQUIRE(load.errors().empty());
  }
  load.stop();
  for (const auto& e : load.errors()) FAIL_CHECK(e);
  CHECK(load.all_last("v1"));
  for (const auto& p : load.check_results()) FAIL_CHECK(p);
  CHECK(s.host().metrics().sessions_migrated.get() == 6 * 20);
  CHECK(s.host().metrics().migrate_failures.get() == 0);
  // Generations 1..6 are all left behind and unloaded; only generation 7 stays mapped.
  for (uint64_t g = 1; g <= 6; ++g) CHECK(wait_generation_state(s.host(), g, "unloaded"));
  CHECK(mapped_counter_images() == 1);
}
