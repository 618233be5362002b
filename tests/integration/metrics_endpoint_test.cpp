// metrics.bind: /metrics in the Prometheus text format with the labeled series and histograms,
// /healthz, /readyz following EMQX's reachability, 404/405 for anything else — over real HTTP.
#include <doctest/doctest.h>

#include <string>

#include "harness.h"
#include "host/app/app.h"
#include "http_client.h"
#include "tcp_client.h"

using namespace itest;

TEST_CASE("metrics endpoint: /metrics, /healthz and /readyz over HTTP, labeled series after real traffic") {
  StackSpec spec;
  spec.tweak_host = [](exproto::host::Config& c) { c.metrics.bind = "127.0.0.1:0"; };
  Stack s(spec);
  const auto port = static_cast<uint16_t>(s.host().metrics_port());
  REQUIRE(port != 0);

  TcpClient device(s.device_port());
  device.write(connect_frame("dev-metrics", "pw", 0));
  REQUIRE(device.read_n(std::string(R"({"type":2,"code":0})").size()).has_value());

  const std::string metrics = http_get(port, "/metrics");
  CHECK(metrics.starts_with("HTTP/1.1 200 OK"));
  CHECK(metrics.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(metrics.find("exproto_events_total{kind=\"OnSocketCreated\"} 1") != std::string::npos);
  CHECK(metrics.find("exproto_adapter_calls_by_result_total{kind=\"Authenticate\",result=\"success\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("exproto_hook_duration_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  CHECK(metrics.find("exproto_adapter_call_duration_seconds_count ") != std::string::npos);
  CHECK(metrics.find("exproto_codec_sessions{codec=\"jsonframe\",route=\"tcp:" + std::to_string(s.device_port()) +
                     "\",generation=\"1\",version=\"") != std::string::npos);
  CHECK(metrics.find("exproto_plugin_files_refused_total{reason=\"file\"} 0") != std::string::npos);
  CHECK(metrics.find("exproto_plugin_watcher_problems_total{problem=\"folder_gone\"} 0") != std::string::npos);
  CHECK(metrics.find("exproto_sessions_active 1") != std::string::npos);

  CHECK(http_get(port, "/healthz").starts_with("HTTP/1.1 200 OK"));
  REQUIRE(wait_until([&] { return http_get(port, "/readyz").starts_with("HTTP/1.1 200 OK"); }));
  CHECK(http_get(port, "/nope").starts_with("HTTP/1.1 404"));
  CHECK(http(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405"));
  // A request that never ends its header is dropped, and the endpoint keeps answering.
  CHECK(http(port, "GET /metrics HTTP/1.1\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n").find("200 OK") ==
        std::string::npos);

  // EMQX gone: not ready, with the reason; alive all the same.
  s.kill_gateway();
  REQUIRE(wait_until([&] { return http_get(port, "/readyz").starts_with("HTTP/1.1 503"); }, std::chrono::seconds(10)));
  CHECK(http_get(port, "/readyz").find("EMQX unreachable") != std::string::npos);
  CHECK(http_get(port, "/healthz").starts_with("HTTP/1.1 200 OK"));
}
