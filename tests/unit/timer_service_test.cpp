#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "harness.h"
#include "host/timers/timer_service.h"

using namespace exproto::host;
using namespace std::chrono_literals;

TEST_CASE("timers fire in deadline order and cancelled ones never fire") {
  TimerService t;
  std::mutex mu;
  std::vector<int> fired;
  auto rec = [&](int v) {
    return [&, v] {
      std::lock_guard lk(mu);
      fired.push_back(v);
    };
  };
  t.schedule(40ms, rec(3));
  t.schedule(10ms, rec(1));
  const auto id = t.schedule(20ms, rec(99));
  t.schedule(30ms, rec(2));
  CHECK(t.cancel(id));
  CHECK_FALSE(t.cancel(id));
  REQUIRE(test::wait_until([&] {
    std::lock_guard lk(mu);
    return fired.size() == 3;
  }));
  std::lock_guard lk(mu);
  CHECK(fired == std::vector<int>{1, 2, 3});
  CHECK(t.pending() == 0);
}

TEST_CASE("a stopped timer service fires nothing") {
  TimerService t;
  std::atomic<int> n{0};
  t.schedule(5ms, [&] { ++n; });
  t.stop();
  std::this_thread::sleep_for(20ms);
  CHECK(n == 0);
}
