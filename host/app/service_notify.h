// systemd's service protocol for `Type=notify` units: READY=1 once the host serves, RELOADING=1
// and READY=1 around a SIGHUP, STOPPING=1 at shutdown, and WATCHDOG=1 pings while the host is
// responsive (WatchdogSec=). Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>
#include <thread>

namespace exproto::host {

class ServiceNotifier {
 public:
  // `responsive` is asked before every watchdog ping, on the notifier's own thread, with the time
  // it may take; a false answer (or one that takes too long) skips the ping, so systemd restarts a
  // host that stopped working rather than one that merely stopped answering a signal.
  explicit ServiceNotifier(std::function<bool(std::chrono::milliseconds)> responsive);
  ~ServiceNotifier();  // ends the watchdog thread
  ServiceNotifier(const ServiceNotifier&) = delete;
  ServiceNotifier& operator=(const ServiceNotifier&) = delete;

  void ready(std::string_view status);  // also starts the watchdog pings
  void reloading() const;
  void stopping() const;
  void stop_watchdog();  // no more pings (before what `responsive` asks goes away)

  bool under_systemd() const { return enabled_; }
  std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  void notify(std::string_view state) const;
  void ping_until(std::stop_token stop);

  const std::function<bool(std::chrono::milliseconds)> responsive_;
  bool enabled_ = false;
  std::chrono::microseconds watchdog_{0};  // 0: no WatchdogSec
  std::jthread pinger_;  // last: stopped first
};

}  // namespace exproto::host
