// The fault knobs' pure parts: control line parsing and the adapter pacer's ordering rules.
#include "adapter_pacer.hpp"
#include "control_command.hpp"

#include <boost/asio/io_context.hpp>
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

using namespace exproto::devgw;
using namespace std::chrono_literals;

TEST_CASE("control lines parse into commands") {
  auto delay = parse_control_command("delay 250\r\n");
  REQUIRE(delay);
  REQUIRE(std::holds_alternative<DelayCommand>(*delay));
  CHECK(std::get<DelayCommand>(*delay).delay == 250ms);
  CHECK(std::get<StallCommand>(*parse_control_command("STALL")).stalled);
  CHECK_FALSE(std::get<StallCommand>(*parse_control_command("Resume\n")).stalled);
  CHECK(std::get<LoseClosedCommand>(*parse_control_command("LOSE_CLOSED ON")).lose);
  CHECK_FALSE(std::get<LoseClosedCommand>(*parse_control_command("lose_closed off")).lose);
  CHECK(std::holds_alternative<StatsCommand>(*parse_control_command("stats")));
  auto pub = parse_control_command("PUB t/x two words");
  REQUIRE(pub);
  CHECK(std::get<PublishCommand>(*pub).payload == "two words");
  for (const char* bad : {"", "DELAY", "DELAY -5", "DELAY 1.5", "DELAY 3600001", "STALL 1", "LOSE_CLOSED", "PUB",
                          "PUB a/# x", "KILL"})
    CHECK_FALSE_MESSAGE(parse_control_command(bad), bad);
}

TEST_CASE("STATS line") {
  GatewayStats stats{.live = 2, .delay = 100ms, .stalled = true};
  stats.adapter.received = {{"Send", 3}, {"Close", 1}};
  stats.adapter.answered = {{"Send", 2}};
  stats.adapter.zero_length_sends = 1;
  CHECK(format_stats(stats) ==
        "OK live=2 held=2 delay_ms=100 stalled=1 lose_closed=0 zero_length_sends=1 cancelled=0 abandoned=0 "
        "received.Close=1 received.Send=3 answered.Send=2");
}

namespace {

// Runs the io_context until `n` calls ran or `limit` passed.
void run_until(boost::asio::io_context& io, const std::vector<int>& ran, std::size_t n,
               std::chrono::milliseconds limit = 2s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (ran.size() < n && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(10ms);
  }
}

}  // namespace

TEST_CASE("pacer: immediate without knobs, delayed in order, a shorter delay never overtakes") {
  boost::asio::io_context io;
  AdapterPacer pacer(io, 0ms);
  std::vector<int> ran;
  int abandoned = 0;
  auto call = [&](int id) { pacer.submit([&ran, id] { ran.push_back(id); }, [&abandoned] { ++abandoned; }); };

  call(1);
  CHECK(ran == std::vector<int>{1});  // no delay, nothing held: carried out on the spot

  pacer.set_delay(200ms);
  const auto start = std::chrono::steady_clock::now();
  call(2);
  pacer.set_delay(0ms);
  call(3);  // due at once, but queued behind 2
  CHECK(pacer.held() == 2);
  run_until(io, ran, 3);
  CHECK(ran == std::vector<int>{1, 2, 3});
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  CHECK(abandoned == 0);
}

TEST_CASE("pacer: a stall holds everything until lifted, close abandons what is held and what comes") {
  boost::asio::io_context io;
  AdapterPacer pacer(io, 0ms);
  std::vector<int> ran;
  int abandoned = 0;
  auto call = [&](int id) { pacer.submit([&ran, id] { ran.push_back(id); }, [&abandoned] { ++abandoned; }); };

  pacer.set_stalled(true);
  call(1);
  call(2);
  io.restart();
  io.run_for(50ms);
  CHECK(ran.empty());
  pacer.set_stalled(false);
  CHECK(ran == std::vector<int>{1, 2});

  pacer.set_stalled(true);
  call(3);
  pacer.close();
  call(4);
  CHECK(ran == std::vector<int>{1, 2});
  CHECK(abandoned == 2);
  CHECK(pacer.held() == 0);
}
