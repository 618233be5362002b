// Back-pressure in native mode: a session over its limits stops the reads of its device (the
// Dispatcher's answer is what resumes them), so the kernel's queues fill and the device's writes
// block; nothing is dropped and the order is kept once the session catches up.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "device_client.h"
#include "rig.h"

namespace ltest {

TEST_CASE("backpressure: a slow hook stops the reads, the device's writes block, nothing is lost, order kept") {
  RigOptions o;
  o.sessions.inline_hooks = false;       // hooks on the pool: the io thread stays free to read
  o.sessions.max_queued_events = 4;      // past these the session answers late...
  o.sessions.max_queued_bytes = 64 * 1024;
  o.sessions.hook_timeout_ms = 30000;    // ...and the blocked hook is not the watchdog's business
  Rig r(o);
  TcpDevice d(r.port, 16 * 1024);
  REQUIRE(d.send("CONNECT bp\n"));
  REQUIRE(d.read_line() == "OK");

  // Every PUB's publish call blocks in the broker double until the gate opens: the first hook
  // with a PUB line stalls, and the events behind it pile up in the session.
  r.broker.close_gate();
  constexpr int kLines = 60000;  // 32 bytes each: ~1.9 MB, far more than the queues in between
  std::string all;
  for (int i = 0; i < kLines; ++i) {
    char line[40];
    std::snprintf(line, sizeof line, "PUB t %08d %016d\n", i, i);
    all += line;
  }
  std::size_t sent = 0;
  // Write without blocking until the kernel refuses more for a while: the host stopped reading.
  auto last_progress = std::chrono::steady_clock::now();
  while (sent < all.size() && std::chrono::steady_clock::now() - last_progress < 500ms) {
    const std::size_t n = d.try_send(std::string_view(all).substr(sent, 64 * 1024));
    if (n > 0) {
      sent += n;
      last_progress = std::chrono::steady_clock::now();
    } else {
      std::this_thread::sleep_for(5ms);
    }
  }
  CHECK(r.broker.blocked() == 1);
  CHECK(sent < all.size());
  MESSAGE("the device could write " << sent << " of " << all.size() << " bytes before the host stopped reading");

  r.broker.open_gate();
  // The rest goes through now; the replies are read meanwhile so the host's writes never stall.
  std::atomic<int> replies{0};
  std::thread reader([&] {
    while (replies < kLines && d.read_line(20s) == "OK") ++replies;
  });
  CHECK(d.send(std::string_view(all).substr(sent), 20s));
  reader.join();
  CHECK(replies == kLines);
  const auto pubs = r.broker.calls_of(EXPROTO_CALL_PUBLISH);
  REQUIRE(pubs.size() == kLines);
  bool in_order = true;
  for (int i = 0; i < kLines && in_order; ++i) {
    char payload[40];
    std::snprintf(payload, sizeof payload, "%08d %016d", i, i);
    if (pubs[i].data != payload) {
      in_order = false;
      FAIL_CHECK("publish " << i << " carried \"" << pubs[i].data << "\", expected \"" << payload << "\"");
    }
  }
  CHECK(in_order);
  CHECK(r.metrics.backpressure_waits.get() > 0);
}

}  // namespace ltest
