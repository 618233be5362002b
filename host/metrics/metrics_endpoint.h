// metrics.bind: Prometheus and orchestrators over plain HTTP (Boost.Beast), read-only:
//   GET /metrics  the text exposition format (metrics.h plus what `extra` adds)
//   GET /healthz  200 while the process serves HTTP at all (liveness)
//   GET /readyz   200 when `not_ready` says nothing, else 503 with its reason (readiness)
// One thread; each connection gets one request and is closed; at most kMaxConnections at once,
// a request header of at most 8 KiB, 5 s to send it. Anything else gets 404/405.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace exproto::host {

class MetricsEndpoint {
 public:
  struct Handlers {
    std::function<std::string()> metrics;    // the /metrics body
    std::function<std::string()> not_ready;  // "" when ready, else why not (the /readyz body)
  };
  static constexpr int kMaxConnections = 64;

  // `bind`: a numeric "ip:port" or "[ipv6]:port" (port 0: any free one). Errors: "metrics.bind:
  // expected a numeric address:port, got <x>", "metrics.bind: cannot listen on <x>: <why>".
  static std::expected<std::unique_ptr<MetricsEndpoint>, std::string> start(const std::string& bind, Handlers handlers);
  ~MetricsEndpoint();  // stops accepting, drops open connections, joins the thread
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  uint16_t port() const { return port_; }

  struct Key {
   private:
    friend class MetricsEndpoint;
    Key() = default;
  };
  MetricsEndpoint(Key, boost::asio::ip::tcp::endpoint at, Handlers handlers);  // use start()

 private:
  void accept();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  const Handlers handlers_;
  uint16_t port_ = 0;
  std::shared_ptr<std::atomic<int>> open_ = std::make_shared<std::atomic<int>>(0);
  std::thread thread_;  // last: runs io_ once everything above exists
};

}  // namespace exproto::host
