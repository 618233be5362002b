// Unit tests of the bench's pure parts: the numbers it reports must be right before they are compared.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bench_report.h"
#include "host_config.h"
#include "latency_histogram.h"
#include "reply_frame.h"

using namespace exproto::bench;

TEST_CASE("histogram quantiles stay within bucket resolution") {
  LatencyHistogram h;
  for (uint64_t us = 1; us <= 1000; ++us) h.record(us * 1000);
  CHECK(h.count() == 1000);
  CHECK(h.quantile_us(0.5) == doctest::Approx(500).epsilon(0.02));
  CHECK(h.quantile_us(0.99) == doctest::Approx(990).epsilon(0.02));
  CHECK(h.max_us() == doctest::Approx(1000));
  CHECK(h.mean_us() == doctest::Approx(500.5));
  LatencyHistogram empty;
  CHECK(empty.quantile_us(0.5) == 0);
}

TEST_CASE("histogram handles tiny and huge values") {
  LatencyHistogram h;
  h.record(0);
  h.record(uint64_t{1} << 62);  // clamps into the last bucket instead of overflowing
  CHECK(h.count() == 2);
  CHECK(h.quantile_us(0.5) == 0);
}

TEST_CASE("reply frames are recognised in any key order and spacing") {
  auto a = scan_reply_frame(R"({"type":4,"code":0})");
  REQUIRE(a);
  CHECK(a->type == 4);
  CHECK(a->code == 0);
  auto b = scan_reply_frame(R"({ "code" : 1, "type" : 2 })");
  REQUIRE(b);
  CHECK(b->type == 2);
  CHECK(b->code == 1);
  CHECK(scan_reply_frame(R"({"type":9})")->code == 0);
  CHECK_FALSE(scan_reply_frame("garbage"));
  CHECK_FALSE(scan_reply_frame(R"({"topic":"type","payload":"x"})"));
}

TEST_CASE("host config: bench keys win, base keys survive") {
  HostConfigInputs in;
  in.handler_bind = "127.0.0.1:1234";
  in.adapter_address = "127.0.0.1:5678";
  in.plugins_dir = "/p";
  in.listener_port = 7000;
  auto config = nlohmann::json::parse(make_host_config(in));
  CHECK(config["handler"]["bind"] == "127.0.0.1:1234");
  CHECK(config["adapter"]["address"] == "127.0.0.1:5678");
  CHECK(config["plugins"]["dir"] == "/p");
  CHECK(config["routes"][0]["listener"]["port"] == 7000);
  CHECK(config["routes"][0]["listener"]["socktype"] == "tcp");
  CHECK(config["routes"][0]["codec"] == "jsonframe");
  CHECK(config["log"]["level"] == "warn");
}

TEST_CASE("summaries are medians and ratios are host over baseline") {
  std::vector<LoadResult> runs;
  for (double fps : {100.0, 300.0, 200.0}) {
    LoadResult r;
    r.label = "baseline";
    r.frames_per_second = fps;
    r.p50_us = 10;
    runs.push_back(r);
  }
  LoadResult host;
  host.label = "host";
  host.frames_per_second = 100;
  host.p50_us = 20;
  runs.push_back(host);
  auto s = summarize(runs);
  CHECK(s["baseline"].frames_per_second == 200);
  auto ratio = host_over_baseline(s);
  REQUIRE(ratio);
  CHECK(ratio->frames_per_second == doctest::Approx(0.5));
  CHECK(ratio->p50_us == doctest::Approx(2.0));
}
