#include <doctest/doctest.h>

#include <array>
#include <random>
#include <vector>

#include "host/adapter/in_flight_index.h"

using namespace exproto::host;
using namespace std::chrono_literals;

namespace {
std::vector<InFlightEntry*> drain_in_order(InFlightIndex& index) {
  std::vector<InFlightEntry*> out;
  while (InFlightEntry* e = index.earliest()) {
    out.push_back(e);
    index.remove(*e);
  }
  return out;
}
}  // namespace

TEST_CASE("in-flight index: calls in time order and calls that expire sooner come out earliest first") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  std::array<InFlightEntry, 6> e;
  // Deadlines in the order the calls are made: 10, 20, 5 (waited in its queue), 30, 20, 1.
  const int ms[] = {10, 20, 5, 30, 20, 1};
  InFlightIndex index;
  for (std::size_t i = 0; i < e.size(); ++i) {
    e[i].deadline = t0 + std::chrono::milliseconds(ms[i]);
    index.add(e[i]);
  }
  CHECK(index.size() == 6);
  std::size_t seen = 0;
  index.for_each([&](InFlightEntry&) { ++seen; });
  CHECK(seen == 6);
  auto order = drain_in_order(index);
  REQUIRE(order.size() == 6);
  for (std::size_t i = 1; i < order.size(); ++i) CHECK(order[i - 1]->deadline <= order[i]->deadline);
  CHECK(order.front() == &e[5]);
  CHECK(order.back() == &e[3]);
  CHECK(index.empty());
}

TEST_CASE("in-flight index: removing from the middle, the ends and twice keeps the rest in order") {
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  std::vector<InFlightEntry> e(200);
  std::mt19937 rng(7);
  InFlightIndex index;
  for (std::size_t i = 0; i < e.size(); ++i) {
    // Mostly increasing, every fifth one sooner than those before it.
    const int jitter = i % 5 == 0 ? -static_cast<int>(rng() % 50) : 0;
    e[i].deadline = t0 + std::chrono::milliseconds(static_cast<int>(i) + jitter);
    index.add(e[i]);
  }
  std::vector<bool> removed(e.size(), false);
  for (std::size_t i = 0; i < e.size(); i += 3) {
    index.remove(e[i]);
    index.remove(e[i]);  // a second time: a no-op (the deadline thread took it out first)
    removed[i] = true;
  }
  index.remove(e.back());
  removed.back() = true;
  std::size_t left = 0;
  for (bool r : removed) left += r ? 0 : 1;
  CHECK(index.size() == left);
  auto order = drain_in_order(index);
  CHECK(order.size() == left);
  for (std::size_t i = 1; i < order.size(); ++i) CHECK(order[i - 1]->deadline <= order[i]->deadline);
  for (auto* p : order) CHECK_FALSE(removed[static_cast<std::size_t>(p - e.data())]);
  // Entries can go in again once out (a test of the links being reset).
  index.add(e[1]);
  index.add(e[0]);
  CHECK(index.earliest() == &e[0]);
  CHECK(drain_in_order(index).size() == 2);
}
