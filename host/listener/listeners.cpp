#include "host/listener/listeners.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <future>

#include "host/listener/close_reason.h"
#include "host/listener/device_conn.h"
#include "host/listener/device_table.h"
#include "host/listener/tcp_listener.h"
#include "host/listener/listener_tls.h"
#include "host/listener/udp_endpoint.h"
#include "host/net/io_threads.h"

namespace exproto::host {

namespace {

// "host:port", "[v6]:port"; a name is resolved once, here at start (never on an io thread).
std::expected<boost::asio::ip::tcp::endpoint, std::string> resolve_bind(const std::string& bind) {
  const auto colon = bind.rfind(':');
  if (colon == std::string::npos) return std::unexpected("expected \"host:port\"");
  std::string host = bind.substr(0, colon);
  const std::string port = bind.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  const auto port_number = static_cast<uint16_t>(std::stoul(port));
  if (!ec) return boost::asio::ip::tcp::endpoint(address, port_number);
  boost::asio::io_context io;
  boost::asio::ip::tcp::resolver resolver(io);
  auto results = resolver.resolve(host, port, boost::asio::ip::tcp::resolver::passive, ec);
  if (ec || results.empty()) return std::unexpected("cannot resolve \"" + host + "\": " + ec.message());
  return results.begin()->endpoint();
}

}  // namespace

Listeners::Listeners(DeviceEnv& env) : env_(env) {}

Listeners::~Listeners() { stop(); }

std::expected<Listeners::Bound, std::string> Listeners::bind_route(std::size_t index, const Route& route,
                                                                   const DeviceLimits& base) {
  const std::string key = "routes[" + std::to_string(index) + "].listener";
  auto at = resolve_bind(route.listener_bind);
  if (!at) return std::unexpected(key + ".bind " + route.listener_bind + ": " + at.error());
  auto limits = std::make_shared<DeviceLimits>(base);
  limits->idle_timeout = std::chrono::seconds(route.listener_idle_timeout_s);
  const uint32_t cap = route.listener.socktype == SockType::udp ? route.listener_max_peers : route.listener_max_connections;
  if (cap != 0) limits->cap = std::make_shared<ConnCap>(cap);
  std::shared_ptr<ListenerTls> tls;
  if (route.listener.socktype == SockType::ssl) {
    if (!route.listener_tls) return std::unexpected(key + ".tls: required for socktype ssl");
    auto made = ListenerTls::create(*route.listener_tls, key + ".tls");
    if (!made) return std::unexpected(made.error());
    tls = *made;
  } else if (route.listener.socktype == SockType::dtls) {
    return std::unexpected(key + ".socktype: dtls is not offered in native mode (docs/native-mode.md)");
  }
  Bound b;
  b.route = index;
  b.tls = tls;
  for (std::size_t shard = 0; shard < env_.io.size(); ++shard) {
    // Port 0: the kernel picks one for the first shard; the others must share it.
    auto endpoint = *at;
    if (shard > 0) endpoint.port(b.port);
    std::expected<void, std::string> bound;
    if (route.listener.socktype == SockType::udp) {
      auto udp = std::make_shared<UdpEndpoint>(env_, shard, index, limits);
      bound = udp->bind(boost::asio::ip::udp::endpoint(endpoint.address(), endpoint.port()));
      if (bound && shard == 0) b.port = udp->port();
      b.udp.push_back(std::move(udp));
    } else {
      auto tcp = std::make_shared<TcpListener>(env_, shard, index, limits, tls);
      bound = tcp->bind(endpoint);
      if (bound && shard == 0) b.port = tcp->port();
      b.tcp.push_back(std::move(tcp));
    }
    if (!bound) return std::unexpected(key + ".bind " + route.listener_bind + ": " + bound.error());
  }
  return b;
}

std::expected<void, std::string> Listeners::start(const std::vector<Route>& routes, const DeviceLimits& limits) {
  std::vector<Bound> bound;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].listener_bind.empty()) continue;
    auto b = bind_route(i, routes[i], limits);
    // Returning drops what was bound: the sockets close with their objects.
    if (!b) return std::unexpected(b.error());
    bound.push_back(std::move(*b));
  }
  for (auto& b : bound) {
    for (auto& t : b.tcp) t->start();
    for (auto& u : b.udp) u->start();
    if (b.tls) {
      auto tls = b.tls;
      boost::asio::post(env_.io.executor(0), [tls, &io = env_.io.context(0)] { tls->watch(io); });
    }
    const Route& r = routes[b.route];
    spdlog::info("native listener {} {} (port {}) on {} io threads serves codec '{}'", to_string(r.listener.socktype),
                 r.listener_bind, b.port, env_.io.size(), r.codec);
  }
  bound_ = std::move(bound);
  return {};
}

uint16_t Listeners::port(std::size_t route) const {
  for (const auto& b : bound_)
    if (b.route == route) return b.port;
  return 0;
}

void Listeners::stop(std::chrono::milliseconds wait) {
  if (stopped_) return;
  stopped_ = true;
  if (bound_.empty()) return;  // never started: no conn exists
  std::vector<std::future<void>> done;
  for (std::size_t shard = 0; shard < env_.io.size(); ++shard) {
    auto finished = std::make_shared<std::promise<void>>();
    done.push_back(finished->get_future());
    // The shard's listeners go by value: a shard stuck past `wait` runs this after we are gone.
    std::vector<std::shared_ptr<TcpListener>> tcp;
    std::vector<std::shared_ptr<UdpEndpoint>> udp;
    std::vector<std::shared_ptr<ListenerTls>> tls;
    for (auto& b : bound_) {
      if (shard < b.tcp.size()) tcp.push_back(b.tcp[shard]);
      if (shard < b.udp.size()) udp.push_back(b.udp[shard]);
      if (shard == 0 && b.tls) tls.push_back(b.tls);
    }
    boost::asio::post(env_.io.executor(shard), [&table = env_.table, shard, finished, tcp, udp, tls] {
      for (auto& t : tcp) t->stop();
      for (auto& u : udp) u->stop();
      for (auto& t : tls) t->stop();
      table.for_each(shard, [](DeviceConn& c) { c.end(close_reason::kShutdown, false); });
      finished->set_value();
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (auto& f : done) {
    if (f.wait_until(deadline) != std::future_status::ready) {
      spdlog::warn("native listeners: an io thread did not stop its listeners within {} ms", wait.count());
      break;
    }
  }
}

}  // namespace exproto::host

