#include "host/listener/listeners.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>

#include <fmt/format.h>

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

bool same_tls(const std::optional<HandlerTls>& a, const std::optional<HandlerTls>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->cert_file == b->cert_file && a->key_file == b->key_file && a->client_ca_file == b->client_ca_file &&
                a->refresh_s == b->refresh_s);
}

// Whether the sockets bound for `was` serve `now` as they are.
bool same_listener(const Route& was, const Route& now) {
  return was.listener_bind == now.listener_bind && was.listener.socktype == now.listener.socktype &&
         was.listener_idle_timeout_s == now.listener_idle_timeout_s && same_tls(was.listener_tls, now.listener_tls) &&
         was.listener_max_connections == now.listener_max_connections && was.listener_max_peers == now.listener_max_peers;
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
  limits_ = limits;
  std::vector<Bound> bound;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].listener_bind.empty()) continue;
    auto b = bind_route(i, routes[i], limits);
    // Returning drops what was bound: the sockets close with their objects.
    if (!b) return std::unexpected(b.error());
    bound.push_back(std::move(*b));
  }
  std::lock_guard lk(mu_);
  for (auto& b : bound) start_bound(b, routes[b.route]);
  bound_ = std::move(bound);
  routes_ = routes;
  started_ = true;
  return {};
}

void Listeners::start_bound(Bound& b, const Route& r) {
  for (auto& t : b.tcp) t->start();
  for (auto& u : b.udp) u->start();
  if (b.tls) {
    auto tls = b.tls;
    boost::asio::post(env_.io.executor(0), [tls, &io = env_.io.context(0)] { tls->watch(io); });
  }
  spdlog::info("native listener {} {} (port {}) on {} io threads serves codec '{}'", to_string(r.listener.socktype),
               r.listener_bind, b.port, env_.io.size(), r.codec);
}

std::expected<std::string, std::string> Listeners::apply(
    const std::vector<Route>& routes, const std::function<std::expected<std::string, std::string>()>& swap_routes) {
  std::vector<Route> was;
  std::vector<std::size_t> was_route;  // bound_[j].route
  {
    std::lock_guard lk(mu_);
    if (stopped_) return std::unexpected("the host is stopping");
    was = routes_;
    for (const auto& b : bound_) was_route.push_back(b.route);
  }
  // keep[j]: the new route index bound_[j] serves from now on, if any.
  std::vector<std::optional<std::size_t>> keep(was_route.size());
  std::vector<Bound> fresh;
  for (std::size_t i = 0; i < routes.size(); ++i) {
    if (routes[i].listener_bind.empty()) continue;
    bool kept = false;
    for (std::size_t j = 0; j < was_route.size() && !kept; ++j) {
      if (keep[j] || !same_listener(was[was_route[j]], routes[i])) continue;
      keep[j] = i;
      kept = true;
    }
    if (kept) continue;
    // A changed listener on the same port binds beside the old one (SO_REUSEPORT) until it retires.
    auto b = bind_route(i, routes[i], limits_);
    if (!b) return std::unexpected(b.error());  // `fresh` closes with its objects; nothing changed
    fresh.push_back(std::move(*b));
  }
  auto swapped = swap_routes();
  if (!swapped) return std::unexpected(swapped.error());
  std::vector<Bound> retired;
  {
    std::lock_guard lk(mu_);
    if (stopped_) return std::unexpected("the host is stopping");
    std::vector<Bound> next;
    for (std::size_t j = 0; j < bound_.size(); ++j) {
      if (keep[j]) {
        bound_[j].route = *keep[j];
        next.push_back(std::move(bound_[j]));
      } else {
        retired.push_back(std::move(bound_[j]));
      }
    }
    for (auto& b : fresh) {
      start_bound(b, routes[b.route]);
      next.push_back(std::move(b));
    }
    bound_ = std::move(next);
    routes_ = routes;
  }
  const std::size_t closed = retired.size();
  for (auto& b : retired) {
    const Route& r = was[b.route];
    spdlog::info("native listener {} {} (port {}) closed by a route change; {}", to_string(r.listener.socktype),
                 r.listener_bind, b.port,
                 b.udp.empty() ? "its connected devices stay until they end" : "its UDP peers are ended");
    retire(std::move(b));
  }
  return fmt::format("{}; listeners: {} kept, {} bound, {} closed", *swapped,
                     std::count_if(keep.begin(), keep.end(), [](const auto& k) { return k.has_value(); }), fresh.size(),
                     closed);
}

void Listeners::retire(Bound b) {
  for (std::size_t shard = 0; shard < env_.io.size(); ++shard) {
    std::shared_ptr<TcpListener> tcp = shard < b.tcp.size() ? b.tcp[shard] : nullptr;
    std::shared_ptr<UdpEndpoint> udp = shard < b.udp.size() ? b.udp[shard] : nullptr;
    std::shared_ptr<ListenerTls> tls = shard == 0 ? b.tls : nullptr;
    boost::asio::post(env_.io.executor(shard), [tcp, udp, tls] {
      if (tcp) tcp->stop();
      if (udp) udp->stop_and_end_peers(close_reason::kListenerRemoved);
      if (tls) tls->stop();
    });
  }
}

uint16_t Listeners::port(std::size_t route) const {
  std::lock_guard lk(mu_);
  for (const auto& b : bound_)
    if (b.route == route) return b.port;
  return 0;
}

void Listeners::stop(std::chrono::milliseconds wait) {
  std::unique_lock lk(mu_);
  if (stopped_) return;
  stopped_ = true;
  // Never started: no conn exists. (Conns of listeners a route change retired are in the table.)
  if (!started_) return;
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
  lk.unlock();
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (auto& f : done) {
    if (f.wait_until(deadline) != std::future_status::ready) {
      spdlog::warn("native listeners: an io thread did not stop its listeners within {} ms", wait.count());
      break;
    }
  }
}

}  // namespace exproto::host

