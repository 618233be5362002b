// metrics.bind: /metrics in the Prometheus text format with the labeled series and histograms,
// /healthz, /readyz following EMQX's reachability, 404/405 for anything else — over real HTTP.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <string>

#include "harness.h"
#include "host/app/app.h"
#include "host/os/unique_fd.h"
#include "tcp_client.h"

using namespace itest;

namespace {

// One HTTP/1.1 exchange; the whole answer as text ("" if nothing came).
std::string http(uint16_t port, const std::string& request) {
  exproto::host::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  REQUIRE(::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::recv(fd.get(), buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

std::string get(uint16_t port, const std::string& path) {
  return http(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

}  // namespace

TEST_CASE("metrics endpoint: /metrics, /healthz and /readyz over HTTP, labeled series after real traffic") {
  StackSpec spec;
  spec.tweak_host = [](exproto::host::Config& c) { c.metrics.bind = "127.0.0.1:0"; };
  Stack s(spec);
  const auto port = static_cast<uint16_t>(s.host().metrics_port());
  REQUIRE(port != 0);

  TcpClient device(s.device_port());
  device.write(connect_frame("dev-metrics", "pw", 0));
  REQUIRE(device.read_n(std::string(R"({"type":2,"code":0})").size()).has_value());

  const std::string metrics = get(port, "/metrics");
  CHECK(metrics.starts_with("HTTP/1.1 200 OK"));
  CHECK(metrics.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(metrics.find("exproto_events_total{kind=\"OnSocketCreated\"} 1") != std::string::npos);
  CHECK(metrics.find("exproto_adapter_calls_by_result_total{kind=\"Authenticate\",result=\"success\"} 1") !=
        std::string::npos);
  CHECK(metrics.find("exproto_hook_duration_seconds_bucket{le=\"+Inf\"}") != std::string::npos);
  CHECK(metrics.find("exproto_adapter_call_duration_seconds_count ") != std::string::npos);
  CHECK(metrics.find("exproto_codec_sessions{codec=\"jsonframe\",version=\"") != std::string::npos);
  CHECK(metrics.find("exproto_sessions_active 1") != std::string::npos);

  CHECK(get(port, "/healthz").starts_with("HTTP/1.1 200 OK"));
  REQUIRE(wait_until([&] { return get(port, "/readyz").starts_with("HTTP/1.1 200 OK"); }));
  CHECK(get(port, "/nope").starts_with("HTTP/1.1 404"));
  CHECK(http(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").starts_with("HTTP/1.1 405"));
  // A request that never ends its header is dropped, and the endpoint keeps answering.
  CHECK(http(port, "GET /metrics HTTP/1.1\r\nX-Long: " + std::string(9000, 'a') + "\r\n\r\n").find("200 OK") ==
        std::string::npos);

  // EMQX gone: not ready, with the reason; alive all the same.
  s.kill_gateway();
  REQUIRE(wait_until([&] { return get(port, "/readyz").starts_with("HTTP/1.1 503"); }, std::chrono::seconds(10)));
  CHECK(get(port, "/readyz").find("EMQX unreachable") != std::string::npos);
  CHECK(get(port, "/healthz").starts_with("HTTP/1.1 200 OK"));
}
