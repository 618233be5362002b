// Labelled counters with run-time label values: one sample per label set, escaped values, and a
// bound on the number of series however many distinct values arrive.
#include <doctest/doctest.h>

#include <string>

#include "host/metrics/counter_family.h"

using exproto::host::CounterFamily;

TEST_CASE("counter family: one sample per label set, sorted, values escaped") {
  CounterFamily f({"codec", "hook"});
  f.inc({"jt808", "on_session_bytes"});
  f.inc({"jt808", "on_session_bytes"});
  f.inc({"a\"b\\c", "on_session_open"}, 5);
  CHECK(f.get({"jt808", "on_session_bytes"}) == 2);
  CHECK(f.get({"line", "on_session_bytes"}) == 0);
  std::string out;
  f.render(out, "exproto_hook_errors_total", "Hook errors");
  CHECK(out ==
        "# HELP exproto_hook_errors_total Hook errors\n"
        "# TYPE exproto_hook_errors_total counter\n"
        "exproto_hook_errors_total{codec=\"a\\\"b\\\\c\",hook=\"on_session_open\"} 5\n"
        "exproto_hook_errors_total{codec=\"jt808\",hook=\"on_session_bytes\"} 2\n");
}

TEST_CASE("counter family: past max_series, new label sets are counted under \"other\"") {
  CounterFamily f({"codec"}, 4);
  for (int i = 0; i < 10; ++i) f.inc({"c" + std::to_string(i)});
  CHECK(f.get({"c0"}) == 1);
  CHECK(f.get({"c2"}) == 1);
  CHECK(f.get({"c3"}) == 0);
  CHECK(f.get({"other"}) == 7);
  f.inc({"c1"});  // a set already kept still counts as itself
  CHECK(f.get({"c1"}) == 2);
  std::string out;
  f.render(out, "x_total", "x");
  CHECK(out.find("x_total{codec=\"other\"} 7\n") != std::string::npos);
}
