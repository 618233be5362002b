#include "native_scale.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>

#include "device_protocol.h"
#include "load_driver.h"
#include "mqtt_broker.h"
#include "native_host.h"
#include "proc_memory.h"
#include "socket_run.h"
#include "temp_dir.h"

namespace exproto::bench {
namespace {

using Clock = std::chrono::steady_clock;

// A broker and `hosts` native hosts behind it, all fresh, in one temporary folder.
struct Fleet {
  explicit Fleet(const ScaleSettings& s) : broker(s.broker_bin, dir.path()) {
    NativeHostSpec spec = native_host_spec(s.protocol, s.host_bin, s.plugins_dir, s.plugins_dir_given, s.host_config);
    spec.keepalive_s = s.keepalive_s;
    for (std::size_t i = 0; i < std::max<std::size_t>(1, s.hosts); ++i)
      hosts.push_back(std::make_unique<NativeHost>(spec, broker.address(), dir.path(), "host" + std::to_string(i)));
  }

  std::vector<uint16_t> ports() const {
    std::vector<uint16_t> out;
    for (const auto& h : hosts) out.push_back(h->port());
    return out;
  }

  // The hosts' sum.
  ProcessHoldings host_holdings() const {
    ProcessHoldings sum;
    for (const auto& h : hosts) {
      const auto one = process_holdings(h->pid());
      sum.rss_kib += one.rss_kib;
      sum.fds += one.fds;
    }
    return sum;
  }

  bool hosts_alive() {
    return std::all_of(hosts.begin(), hosts.end(), [](const auto& h) { return h->process().alive(); });
  }

  TempDir dir;
  MqttBroker broker;
  std::vector<std::unique_ptr<NativeHost>> hosts;
};

template <class Pred>
bool wait_for(Pred done, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Closes every device at once, then SIGTERMs the hosts while they are still ending the devices'
// MQTT sessions (a shutdown under load, as an operator's restart would be) and reports how each
// ended. 4 when a host did not exit cleanly, else `status`.
int close_then_stop(SocketRun& run, Fleet& fleet, int status, std::ostream& out) {
  run.cancel_all();
  wait_for([&] { return run.in_flight() == 0; }, 10);
  for (std::size_t i = 0; i < fleet.hosts.size(); ++i) {
    auto& host = fleet.hosts[i]->process();
    const std::string how = host.stop(10);
    out << "  host" << i << " stopped with the devices just closed: " << how << "\n";
    if (how != "exit 0" && how != "signal 15") {
      out << host.log_tail();
      status = 4;
    }
  }
  return status;
}

LoadSettings idle_devices(const ScaleSettings& s, std::size_t count) {
  LoadSettings load;
  load.protocol = s.protocol;
  load.conns = count;
  return load;
}

double per(int64_t kib, std::size_t devices) { return devices ? static_cast<double>(kib) / devices : 0; }

int status_of(const LoadResult& r, std::size_t expected, std::size_t logged_in) {
  if (r.errors() != 0) return 3;
  return logged_in < expected ? 2 : 0;
}

}  // namespace

int run_idle_fleet(const ScaleSettings& s, std::ostream& out, std::ostream& progress) {
  if (s.idle_steps.empty()) throw std::invalid_argument("no idle-fleet step");
  const double hold = s.hold_seconds >= 0 ? s.hold_seconds : 1.6 * s.keepalive_s;
  Fleet fleet(s);
  SocketRun run(idle_devices(s, s.idle_steps.back()), SocketTargets{fleet.ports(), s.device_threads, false});
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the readiness probes' sessions are gone
  const auto host0 = fleet.host_holdings();
  const auto broker0 = process_holdings(fleet.broker.pid());
  const int64_t slab0 = kernel_slab_kib();

  char line[320];
  out << "idle fleet: " << s.protocol << " devices through " << fleet.hosts.size()
      << " native host(s) and one mosquitto, mqtt keepalive " << s.keepalive_s << " s, each step held " << hold
      << " s after its last login\nbefore any device: host RSS " << host0.rss_kib << " KiB, host fds " << host0.fds
      << "\n\n";
  std::snprintf(line, sizeof line, "%8s %9s %8s %10s %11s %11s %9s %11s %11s %10s %6s\n", "devices", "logged-in",
                "login s", "host MiB", "host KiB/d", "slope KiB/d", "host fd/d", "slab KiB/d*", "broker KiB/d",
                "broker fd/d", "errors");
  out << line;
  int status = 0;
  std::size_t prev_devices = 0;
  int64_t prev_rss = host0.rss_kib;
  std::vector<std::pair<double, double>> points;  // (devices, host RSS KiB) after each step
  for (std::size_t step : s.idle_steps) {
    if (step <= run.opened()) continue;
    const auto t0 = Clock::now();
    run.open(step - run.opened());
    wait_for([&] { return run.settled() >= step; }, s.login_timeout_seconds);
    const double login_s = std::chrono::duration<double>(run.last_login().value_or(t0) - t0).count();
    progress << step << " devices: " << run.connected() << " logged in after " << login_s << " s; holding " << hold
             << " s\n";
    std::this_thread::sleep_for(std::chrono::duration<double>(hold));
    const auto host = fleet.host_holdings();
    const auto broker = process_holdings(fleet.broker.pid());
    const int64_t slab = kernel_slab_kib();
    LoadResult r;
    run.fill(r);
    const std::size_t open = run.open_sockets();  // a device the host or broker dropped while idle is gone
    std::snprintf(line, sizeof line, "%8zu %9zu %8.2f %10.1f %11.2f %11.2f %9.2f %11.2f %11.2f %10.2f %6llu\n", step,
                  std::min(open, run.connected()), login_s, host.rss_kib / 1024.0, per(host.rss_kib - host0.rss_kib, step),
                  per(host.rss_kib - prev_rss, step - prev_devices), per(host.fds - host0.fds, step),
                  per(slab - slab0, step), per(broker.rss_kib - broker0.rss_kib, step), per(broker.fds - broker0.fds, step),
                  static_cast<unsigned long long>(r.errors()));
    out << line << std::flush;
    if (!r.first_error.empty()) out << "  first error: " << r.first_error << "\n";
    status = std::max(status, status_of(r, step, std::min(open, run.connected())));
    if (!fleet.hosts_alive()) {
      out << "  a host died:\n" << fleet.hosts.front()->process().log_tail();
      return 2;
    }
    points.emplace_back(static_cast<double>(step), static_cast<double>(host.rss_kib));
    prev_devices = step;
    prev_rss = host.rss_kib;
  }
  // Least squares over the steps: the per-device cost without the fixed part of the first step.
  if (points.size() >= 2) {
    double n = points.size(), sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const auto& [x, y] : points) {
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    const double intercept = (sy - slope * sx) / n;
    out << "\nhost RSS fit over the steps: " << intercept / 1024.0 << " MiB + " << slope
        << " KiB/device; projected at 100000 devices: " << (intercept + slope * 100000) / 1024.0 << " MiB ("
        << (intercept + slope * 100000 - host0.rss_kib) / 100000 << " KiB/device over the empty host)\n";
  }
  out << "* kernel Slab is system-wide: it holds every socket of a device (the bench's end, the host's "
         "device and MQTT sockets, the broker's end) and whatever else the machine did meanwhile\n";
  return close_then_stop(run, fleet, status, out);
}

int run_connect_burst(const ScaleSettings& s, std::ostream& out, std::ostream& progress) {
  if (s.burst == 0) throw std::invalid_argument("no devices for the burst");
  Fleet fleet(s);
  SocketRun run(idle_devices(s, s.burst), SocketTargets{fleet.ports(), s.device_threads, false});
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto t0 = Clock::now();
  run.open(s.burst);
  const bool all = wait_for([&] { return run.settled() >= s.burst; }, s.login_timeout_seconds);
  const auto t_settled = Clock::now();
  const auto last = run.last_login();
  LoadResult r;
  run.fill(r);
  progress << "burst: " << run.connected() << "/" << s.burst << " logged in" << (all ? "" : " (timed out)") << "\n";

  char line[320];
  out << "connect burst: " << s.burst << " " << s.protocol << " devices connect at once to " << fleet.hosts.size()
      << " native host(s) behind one mosquitto (device i to host i mod " << fleet.hosts.size() << ")\n\n";
  std::snprintf(line, sizeof line, "%8s %6s %9s %8s %13s %9s %9s %9s %9s %6s\n", "devices", "hosts", "logged-in",
                "gave-up", "last login s", "settled s", "p50 ms", "p99 ms", "max ms", "errors");
  out << line;
  std::snprintf(line, sizeof line, "%8zu %6zu %9zu %8zu %13.3f %9.3f %9.1f %9.1f %9.1f %6llu\n", s.burst,
                fleet.hosts.size(), run.connected(), run.settled() - run.connected(),
                last ? std::chrono::duration<double>(*last - t0).count() : -1.0,
                std::chrono::duration<double>(t_settled - t0).count(), run.login_quantile_us(0.5) / 1000,
                run.login_quantile_us(0.99) / 1000, run.login_quantile_us(1.0) / 1000,
                static_cast<unsigned long long>(r.errors()));
  out << line;
  if (!r.first_error.empty()) out << "  first error: " << r.first_error << "\n";
  for (std::size_t i = 0; i < fleet.hosts.size(); ++i) {
    const auto h = process_holdings(fleet.hosts[i]->pid());
    out << "  host" << i << ": RSS " << h.rss_kib / 1024.0 << " MiB, " << h.fds << " fds\n";
  }
  out << "  login latency: from the device's connect() to its login acknowledgement (the broker's CONNACK "
         "turned into the codec's reply)\n";
  std::snprintf(line, sizeof line,
                "  of which the device's TCP connect to the host: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
                run.tcp_connect_quantile_us(0.5) / 1000, run.tcp_connect_quantile_us(0.99) / 1000,
                run.tcp_connect_quantile_us(1.0) / 1000);
  out << line;
  return close_then_stop(run, fleet, status_of(r, s.burst, run.connected()), out);
}

}  // namespace exproto::bench
