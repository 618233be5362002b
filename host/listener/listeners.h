// Native mode's device side as one object: for every route with a listener_bind, one acceptor
// (tcp, ssl) or one UDP socket (udp) per io shard, all bound to the same address with
// SO_REUSEPORT. The App builds it after the Dispatcher, starts it once the io threads run, and
// stops it before they stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/config/config.h"
#include "host/listener/device_env.h"

namespace exproto::host {

class TcpListener;
class UdpEndpoint;
class ListenerTls;

class Listeners {
 public:
  // `env` must outlive this object and every conn (conns may outlive stop() until the io
  // threads are stopped).
  explicit Listeners(DeviceEnv& env);
  ~Listeners();  // stop()
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  // Binds every route that has a listener_bind, on every shard, and starts accepting; route i's
  // conn ids are "n<shard>.<i>.<counter>". `limits` are the App's (write queue, read size);
  // each route adds its own idle_timeout_s. On any error nothing stays bound and the error
  // names the route: "routes[0].listener.bind 0.0.0.0:7993: Address already in use". Not on
  // an io thread.
  std::expected<void, std::string> start(const std::vector<Route>& routes, const DeviceLimits& limits);

  // SIGHUP: makes the bound listeners those of `routes`. A listener whose route kept the same
  // bind, socktype, TLS files, idle timeout and caps keeps its sockets and its devices. New or changed
  // ones are bound first, so an address in use fails the whole change with nothing changed;
  // then `swap_routes` runs (the Reloader's route change: it must succeed before a new socket
  // accepts, or the new sockets are dropped and its error returned); then the new listeners
  // start and the ones no longer wanted stop accepting. Their TCP/TLS devices stay connected
  // until they end, as nginx's reload keeps open connections; their UDP peers end with
  // "host:listener_removed" (they lived on the socket that closes). Returns what changed.
  // Not on an io thread; after stop() it refuses.
  std::expected<std::string, std::string> apply(const std::vector<Route>& routes,
                                                const std::function<std::expected<std::string, std::string>()>& swap_routes);

  // The port route `route` listens on (a bind to port 0 gets one from the kernel); 0 if none.
  uint16_t port(std::size_t route) const;

  // Stops accepting and ends every device conn with "host:shutdown" (their sessions get
  // Closed; the broker side hears device_closed(vanished = false)). Waits for the shards up to
  // `wait`; the io threads must be running. Idempotent; not on an io thread.
  void stop(std::chrono::milliseconds wait = std::chrono::seconds(5));

 private:
  struct Bound {
    std::size_t route;
    std::vector<std::shared_ptr<TcpListener>> tcp;  // one per shard (tcp, ssl)
    std::vector<std::shared_ptr<UdpEndpoint>> udp;  // one per shard (udp)
    std::shared_ptr<ListenerTls> tls;               // ssl: re-read every tls.refresh_s on shard 0
    uint16_t port = 0;
  };
  std::expected<Bound, std::string> bind_route(std::size_t index, const Route& route, const DeviceLimits& limits);
  void start_bound(Bound& b, const Route& route);
  void retire(Bound b);

  DeviceEnv& env_;
  DeviceLimits limits_;  // start()'s, for listeners a SIGHUP adds
  mutable std::mutex mu_;  // bound_ and stopped_: SIGHUP, stop() and port() come from different threads
  std::vector<Bound> bound_;
  std::vector<Route> routes_;  // what bound_ was made from, by route index
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace exproto::host
