// Unit tests of the bench's pure parts: the numbers it reports must be right before they are compared.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>

#include "bench_report.h"
#include "device_protocol.h"
#include "host_config.h"
#include "jt808_devices.h"
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

TEST_CASE("host config: isolated puts every route in a codec-runner child") {
  HostConfigInputs in;
  in.handler_bind = "127.0.0.1:1234";
  in.adapter_address = "127.0.0.1:5678";
  in.plugins_dir = "/p";
  CHECK_FALSE(nlohmann::json::parse(make_host_config(in))["routes"][0].contains("isolation"));
  in.isolated = true;
  auto config = nlohmann::json::parse(make_host_config(in));
  CHECK(config["routes"][0]["isolation"] == "process");
}

TEST_CASE("ratios of any two labels: isolated over host") {
  std::vector<LoadResult> runs(2);
  runs[0].label = "host";
  runs[0].frames_per_second = 200;
  runs[1].label = "isolated";
  runs[1].frames_per_second = 150;
  auto ratio = ratio_of(summarize(runs), "isolated", "host");
  REQUIRE(ratio);
  CHECK(ratio->frames_per_second == doctest::Approx(0.75));
  CHECK_FALSE(ratio_of(summarize(runs), "host", "baseline"));
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

TEST_CASE("paired ratios: CPU per frame round by round, unpaired rounds left out") {
  auto run = [](const char* label, int round, double cpu_percent, uint64_t frames) {
    LoadResult r;
    r.label = label;
    r.round = round;
    r.window_seconds = 1;
    r.handler_cpu_percent = cpu_percent;
    r.frames = frames;
    return r;
  };
  // A machine that slows down: both labels cost more in round 2, the ratio of each pair stays.
  std::vector<LoadResult> runs{run("baseline", 1, 50, 1000), run("host", 1, 55, 1000),
                               run("baseline", 2, 100, 1000), run("host", 2, 90, 1000),
                               run("baseline", 3, 60, 1000), run("host", 3, 72, 1000),
                               run("host", 4, 80, 1000)};
  const auto pairs = paired_cpu_ratios(runs, "host", "baseline");
  REQUIRE(pairs.sorted.size() == 3);
  CHECK(pairs.sorted.front() == doctest::Approx(0.9));
  CHECK(pairs.median() == doctest::Approx(1.1));
  CHECK(pairs.sorted.back() == doctest::Approx(1.2));
  CHECK(pairs.above_one() == 2);
  CHECK(paired_cpu_ratios(runs, "isolated", "host").sorted.empty());
}

TEST_CASE("jt808 frames: the bench's encoder reproduces a reference frame byte for byte") {
  std::ifstream file(JT808_CORPUS_LOCATION, std::ios::binary);
  REQUIRE(file);
  std::string corpus((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  REQUIRE(corpus.size() > 1);
  std::string frame = corpus.substr(1);  // the corpus file leads with one garbage byte
  auto read = read_jt808_frame(frame);
  REQUIRE(read);
  CHECK(read->msg_id == 0x0200);
  CHECK(read->phone == "013800138000");
  CHECK(read->serial == 2);
  CHECK(read->body.size() == 37);
  CHECK(jt808_frame(read->msg_id, read->phone, read->serial, read->body) == frame);
}

TEST_CASE("jt808 frames: escaping, check code and malformed input") {
  const std::string body("\x7e\x01\x7d\x02", 4);
  auto frame = jt808_frame(0x0900, "013912345678", 0x7e7d, body);
  // 0x7e and 0x7d never appear between the delimiters
  CHECK(frame.substr(1, frame.size() - 2).find('\x7e') == std::string::npos);
  CHECK(frame.find("\x7d\x02\x01\x7d\x01\x02") != std::string::npos);
  auto read = read_jt808_frame(frame);
  REQUIRE(read);
  CHECK(read->serial == 0x7e7d);
  CHECK(read->body == body);

  std::string bad_check = frame;
  bad_check[bad_check.size() - 2] ^= 0x01;
  CHECK_FALSE(read_jt808_frame(bad_check));
  CHECK_FALSE(read_jt808_frame(frame.substr(0, frame.size() - 1)));   // no closing delimiter
  CHECK_FALSE(read_jt808_frame(frame + frame));                        // two frames
  CHECK_FALSE(read_jt808_frame(std::string("\x7e\x7d\x03\x7e", 4)));  // invalid escape
}

TEST_CASE("jt808 devices: login is register then authenticate; 0x8001 answers are classified") {
  auto devices = make_device_protocol("jt808", 0);
  REQUIRE(devices);
  CHECK(devices->codec() == "jt808");
  auto login = devices->login(7);
  auto split = login.find("\x7e\x7e");
  REQUIRE(split != std::string::npos);
  auto reg = read_jt808_frame(login.substr(0, split + 1));
  auto auth = read_jt808_frame(login.substr(split + 1));
  REQUIRE(reg);
  REQUIRE(auth);
  CHECK(reg->msg_id == 0x0100);
  CHECK(auth->msg_id == 0x0102);
  CHECK(auth->body == "anonymous");
  CHECK(reg->phone == "013800000007");
  CHECK(devices->login(8) != login);  // every device has its own phone number

  auto report = read_jt808_frame(devices->report(7, 42));
  REQUIRE(report);
  CHECK(report->msg_id == 0x0200);
  CHECK(report->serial == 42);
  CHECK(devices->report_changes_per_frame());

  auto answer = [](uint16_t answered, uint8_t result) {
    std::string body;
    for (unsigned v : {0u, 42u, unsigned{answered} >> 8, unsigned{answered} & 0xffu, unsigned{result}})
      body.push_back(static_cast<char>(v));
    return jt808_frame(0x8001, "013800000007", 5, body);
  };
  auto ack = devices->read_reply(answer(0x0200, 0));
  REQUIRE(ack);
  CHECK(ack->kind == ReplyKind::report_ack);
  CHECK(ack->code == 0);
  auto denied = devices->read_reply(answer(0x0102, 1));
  REQUIRE(denied);
  CHECK(denied->kind == ReplyKind::login_ack);
  CHECK(denied->code == 1);
  CHECK(devices->read_reply(answer(0x0002, 0))->kind == ReplyKind::other);
  CHECK_FALSE(devices->read_reply("{\"type\":4}"));
}

TEST_CASE("jsonframe devices and unknown protocols") {
  auto devices = make_device_protocol("jsonframe", 3);
  REQUIRE(devices);
  CHECK(devices->report(1, 0).find("\"payload\":\"xxx\"") != std::string::npos);
  CHECK_FALSE(devices->report_changes_per_frame());
  CHECK(devices->read_reply(R"({"type":2,"code":0})")->kind == ReplyKind::login_ack);
  CHECK(devices->read_reply(R"({"type":4,"code":3})")->code == 3);
  CHECK(devices->read_reply(R"({"type":6,"code":0})")->kind == ReplyKind::other);
  CHECK_FALSE(make_device_protocol("mqtt", 0));
}

TEST_CASE("reload dip: lowest step from the reload on over the median step before") {
  LoadResult r;
  r.timeline = {100, 110, 90, 100, 40, 70, 100, 100};
  r.timeline_step_seconds = 1;
  CHECK_FALSE(reload_dip(r));  // no reload
  r.reload_at_seconds = 4.2;   // in step 4
  REQUIRE(reload_dip(r));
  CHECK(*reload_dip(r) == doctest::Approx(0.4));  // 40 / median(100, 110, 90, 100)
  r.reload_at_seconds = 0.5;   // nothing before it to compare with
  CHECK_FALSE(reload_dip(r));
  r.reload_at_seconds = 7.5;   // the last step: only itself counts
  CHECK(*reload_dip(r) == doctest::Approx(1.0));
}

TEST_CASE("native devices: replies are cut out of a byte stream, glued or split") {
  auto json = make_device_protocol("jsonframe", 4);
  const std::string two = R"({"type":2,"code":0}{"type":3,"topic":"t/}{","qos":0,"payload":"a\"}"})";
  const auto first = json->reply_length(two);
  CHECK(first == std::string(R"({"type":2,"code":0})").size());
  CHECK(json->reply_length(std::string_view(two).substr(first)) == two.size() - first);  // braces in strings
  CHECK(json->reply_length(R"({"type":4,"co)") == 0);
  CHECK(json->reply_length(" \n{\"type\":4}") == 12);  // whitespace goes with the frame

  auto jt = make_device_protocol("jt808", 0);
  const std::string ack = jt808_frame(0x8001, "013800000000", 7, std::string("\x00\x05\x02\x00\x00", 5));
  const std::string stream = ack + ack.substr(0, 5);
  CHECK(jt->reply_length(stream) == ack.size());
  CHECK(jt->reply_length(stream.substr(ack.size())) == 0);
  CHECK(jt->read_reply(stream.substr(0, jt->reply_length(stream)))->kind == ReplyKind::report_ack);
}

TEST_CASE("native host config: the bench's broker and listener, no exproto-mode keys") {
  NativeHostConfigInputs in;
  in.broker_address = "127.0.0.1:1884";
  in.listener_port = 7000;
  in.plugins_dir = "/p";
  in.codec = "jt808";
  in.keepalive_s = 10;
  const auto c = nlohmann::json::parse(make_native_host_config(in));
  CHECK(c["mode"] == "native");
  CHECK(c["mqtt"]["server"] == "127.0.0.1:1884");
  CHECK(c["mqtt"]["keepalive_s"] == 10);
  CHECK(c["routes"][0]["listener"]["bind"] == "127.0.0.1:7000");
  CHECK(c["routes"][0]["codec"] == "jt808");
  CHECK_FALSE(c.contains("handler"));
  CHECK_FALSE(c.contains("adapter"));
}
