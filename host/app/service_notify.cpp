#include "host/app/service_notify.h"

#include <systemd/sd-daemon.h>

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace exproto::host {

ServiceNotifier::ServiceNotifier(std::function<bool(std::chrono::milliseconds)> responsive)
    : responsive_(std::move(responsive)) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && socket[0] != '\0';
  uint64_t usec = 0;
  // The environment stays (0): sd_notify reads NOTIFY_SOCKET on every call. The codec-runner
  // children inherit it but never notify: only main() makes a ServiceNotifier.
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0) watchdog_ = std::chrono::microseconds(usec);
}

ServiceNotifier::~ServiceNotifier() { stop_watchdog(); }

void ServiceNotifier::stop_watchdog() {
  if (pinger_.joinable()) {
    pinger_.request_stop();
    pinger_.join();
  }
}

void ServiceNotifier::notify(std::string_view state) const {
  if (!enabled_) return;
  const std::string text(state);
  if (const int r = sd_notify(0, text.c_str()); r < 0) {
    spdlog::warn("systemd notification '{}' failed: {}", text, std::strerror(-r));
  }
}

void ServiceNotifier::ready(std::string_view status) {
  notify("READY=1\nSTATUS=" + std::string(status));
  if (watchdog_.count() > 0 && !pinger_.joinable()) {
    pinger_ = std::jthread([this](std::stop_token stop) { ping_until(stop); });
  }
}

void ServiceNotifier::reloading() const {
  // MONOTONIC_USEC lets systemd (253+) tell this reload from an earlier one; older ones ignore it.
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(now.count()));
}

void ServiceNotifier::stopping() const { notify("STOPPING=1"); }

void ServiceNotifier::ping_until(std::stop_token stop) {
  // Twice per interval, as sd_watchdog_enabled(3) advises; the check may use a quarter of it.
  const auto period = std::chrono::duration_cast<std::chrono::milliseconds>(watchdog_ / 2);
  const auto budget = std::max(std::chrono::milliseconds(1), period / 2);
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lk(mu);
  while (!stop.stop_requested()) {
    if (responsive_ == nullptr || responsive_(budget)) {
      notify("WATCHDOG=1");
    } else {
      spdlog::error("systemd watchdog: the host did not respond within {} ms; not pinging", budget.count());
    }
    cv.wait_for(lk, stop, period, [] { return false; });
  }
}

}  // namespace exproto::host
