// Native mode's device side as one object: for every route with a listener_bind, one acceptor
// (tcp, ssl) or one UDP socket (udp) per io shard, all bound to the same address with
// SO_REUSEPORT. The App builds it after the Dispatcher, starts it once the io threads run, and
// stops it before they stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
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

  DeviceEnv& env_;
  std::vector<Bound> bound_;
  bool stopped_ = false;
};

}  // namespace exproto::host
