// The stack under test: the development gateway (EMQX stand-in) and the host App, wired to each
// other over loopback gRPC, with device listeners on ephemeral ports routed to shipped codecs.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "devgw/gateway.hpp"
#include "host/app/app.h"
#include "host/config/config.h"
#include "host/session/dispatcher.h"

namespace itest {

using namespace std::chrono_literals;

struct RouteSpec {
  std::size_t listener = 0;  // index into the gateway's listeners
  std::string codec;
  std::string config_json = "{}";
};

struct StackSpec {
  std::vector<exproto::devgw::ListenerSpec> listeners{exproto::devgw::ListenerSpec{}};
  std::vector<RouteSpec> routes{RouteSpec{0, "jsonframe"}};
  exproto::devgw::HandlerService service = exproto::devgw::HandlerService::unary;
  std::function<void(exproto::devgw::Options&)> tweak_gateway;
  std::function<void(exproto::host::Config&)> tweak_host;
};

class Stack {
 public:
  explicit Stack(StackSpec spec = {});  // fails the test if anything does not start
  ~Stack();

  exproto::devgw::Gateway& gw() { return *gw_; }
  exproto::host::App& host() { return *host_; }
  uint16_t device_port(std::size_t listener = 0) const { return gw_->listener_port(listener); }
  const exproto::host::Config& host_config() const { return config_; }

  void stop_host() { host_.reset(); }
  void start_host();  // on the same handler port as before
  // EMQX killed (kill -9): device sockets drop, no OnSocketClosed is ever sent, the
  // ConnectionAdapter port goes away.
  void kill_gateway();
  // EMQX back on the same ports (listeners, ConnectionAdapter, handler address) with new conn ids.
  void restart_gateway();

 private:
  StackSpec spec_;
  exproto::devgw::Options gw_options_;  // with the ports the first gateway bound
  exproto::host::Config config_;
  std::unique_ptr<exproto::devgw::Gateway> gw_;
  std::unique_ptr<exproto::host::App> host_;
};

// A free loopback TCP port (bound once and released; good enough on an otherwise quiet loopback).
uint16_t free_port();

// JSON frames of the jsonframe protocol as a device writes them.
std::string connect_frame(const std::string& clientid, const std::string& password = "pw", int keepalive = 0,
                          const std::string& username = "");
std::string publish_frame(const std::string& topic, const std::string& payload, int qos = 0);

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s);

// grpc.health.v1.Health/Check with an empty service name on `address`: the response's bytes
// ("\x08\x01" SERVING, "\x08\x02" NOT_SERVING) or "error: <message>".
std::string health_check(const std::string& address);

// Waits on the gateway records.
bool wait_records(exproto::devgw::Gateway& gw, const std::function<bool(const exproto::devgw::Records&)>& pred,
                  std::chrono::milliseconds timeout = 5s);

}  // namespace itest
