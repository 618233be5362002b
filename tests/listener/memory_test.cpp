// What an idle TCP device costs the host process: the listener's part (socket, pending wait,
// timer, conn table entry) plus its session and the line codec's state. The goal for native
// mode is ≤ 4 KiB per device with its MQTT connection (docs/native-mode.md); this measures the
// device half and fails only on a gross regression (a per-connection receive buffer, say).
#include <doctest/doctest.h>

#include <fstream>
#include <string>
#include <vector>

#include "device_client.h"
#include "host/listener/tcp_conn.h"
#include "rig.h"

namespace ltest {

namespace {
long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 16, '\n');
  }
  return 0;
}
}  // namespace

TEST_CASE("memory: an idle TCP device with its session costs the host a few KiB") {
  Rig r;
  constexpr int kWarmup = 200;
  constexpr int kDevices = 3000;  // two fds each in this process (both ends)
  std::vector<std::unique_ptr<TcpDevice>> devices;
  devices.reserve(kWarmup + kDevices);
  auto connect_some = [&](int n, int from) {
    for (int i = 0; i < n; ++i) {
      auto d = std::make_unique<TcpDevice>(r.port);
      REQUIRE(d->send("CONNECT m" + std::to_string(from + i) + "\n"));
      devices.push_back(std::move(d));
    }
    for (int i = 0; i < n; ++i) REQUIRE(devices[from + i]->read_line() == "OK");
  };
  connect_some(kWarmup, 0);  // allocator arenas and tables grown before the baseline
  REQUIRE(wait_until([&] { return r.dispatcher->session_count() == kWarmup; }));
  const long before = rss_kib();
  connect_some(kDevices, kWarmup);
  REQUIRE(wait_until([&] { return r.dispatcher->session_count() == kWarmup + kDevices; }));
  const double per_device = static_cast<double>(rss_kib() - before) / kDevices;
  MESSAGE("host RSS per idle TCP device (listener + session + line codec state; the test's own "
          "client sockets hold no user memory): " << per_device << " KiB");
  MESSAGE("of which the TcpConn object itself: " << sizeof(TcpConn) << " bytes (plus Asio's reactor entry and the "
          "pending wait)");
  CHECK(per_device < 8.0);
}

}  // namespace ltest
