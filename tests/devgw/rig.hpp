// A gateway wired to a TestHandler on ephemeral loopback ports.
#pragma once

#include "device.hpp"
#include "devgw/gateway.hpp"
#include "test_handler.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <thread>

namespace devgw_test {

using namespace exproto::devgw;

/// Polls `pred` every 10 ms until it holds or `timeout` passes (for state that has no wait of
/// its own, such as kernel socket tables or counters read under another lock).
inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

/// The port of a "HOST:PORT" address.
inline std::uint16_t port_of(const std::string& address) {
  unsigned port = 0;
  const auto colon = address.rfind(':');
  std::from_chars(address.data() + colon + 1, address.data() + address.size(), port);
  return static_cast<std::uint16_t>(port);
}

inline Options test_options(HandlerService service = HandlerService::unary) {
  Options o;
  o.listeners = {{SocketKind::tcp, "127.0.0.1", 0}};
  o.service = service;
  o.log_name = "devgw-test";
  return o;
}

struct Rig {
  TestHandler handler;
  std::unique_ptr<Gateway> gw;

  explicit Rig(Options options = test_options()) {
    options.handler_address = handler.address();
    auto started = Gateway::start(std::move(options));
    REQUIRE_MESSAGE(started.has_value(), (started ? "" : started.error()));
    gw = std::move(*started);
    handler.set_adapter(gw->adapter_address());
  }

  /// The conn of a device, once the handler has seen its OnSocketCreated.
  std::string conn_of(std::uint16_t device_port) {
    auto rec = gw->wait_for_conn(device_port, 3s);
    REQUIRE(rec);
    REQUIRE(handler.wait_for([&](const auto& evs) { return has(evs, EventKind::socket_created, rec->conn); }));
    return rec->conn;
  }

  static bool has(const std::vector<SeenEvent>& evs, EventKind kind, const std::string& conn) {
    return std::any_of(evs.begin(), evs.end(), [&](const SeenEvent& e) { return e.kind == kind && e.conn == conn; });
  }

  /// The OnSocketClosed reason the handler received for conn.
  std::optional<std::string> closed_reason(const std::string& conn, std::chrono::milliseconds timeout = 3s) {
    std::optional<std::string> reason;
    handler.wait_for(
        [&](const auto& evs) {
          for (const auto& e : evs)
            if (e.kind == EventKind::socket_closed && e.conn == conn) reason = e.reason;
          return reason.has_value();
        },
        timeout);
    return reason;
  }
};

}  // namespace devgw_test
