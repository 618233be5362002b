// plugins.max_generations bounds the live generations of a codec: past it, the oldest
// generation's sessions are closed (the Erlang two-version rule) so its library can go.
#include <doctest/doctest.h>

#include "host/metrics/metrics.h"
#include "reload_support.h"

using namespace rtest;
namespace host = exproto::host;

TEST_CASE("reload: past plugins.max_generations the oldest generation's sessions are closed") {
  PluginsDir dir;
  auto spec = counter_stack(dir, host::ReloadPolicy::drain);
  spec.tweak_host = [inner = spec.tweak_host](host::Config& c) {
    inner(c);
    c.plugins.max_generations = 2;
  };
  itest::Stack s(spec);
  Device a(s.device_port());  // generation 1
  REQUIRE(a.exchange(1));
  dir.install_by_rename("v2");
  REQUIRE(wait_current(s.host(), "2.0.0"));
  Device b(s.device_port());  // generation 2
  REQUIRE(b.exchange(1));
  dir.install_by_rename("v20");  // generation 3: three live generations, one too many
  REQUIRE(wait_current(s.host(), "2.0.0-nomigrate"));
  CHECK(a.tcp().wait_closed());
  CHECK(wait_generation_state(s.host(), 1, "unloaded"));
  REQUIRE(b.exchange(1));  // generation 2 keeps draining
  CHECK(b.last_prefix() == "v2");
  CHECK(codec_status(s.host())->generations.back().number == 3);
}
