// Drives one io_context on the test's thread (as one io thread of the host would) until a
// condition holds or a deadline passes, so every test is bounded in time.
#pragma once

#include <chrono>
#include <thread>

#include <boost/asio/io_context.hpp>

namespace mqtt_test {

template <typename Pred>
bool run_until(boost::asio::io_context& io, Pred done, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    if (io.run_for(std::chrono::milliseconds(10)) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return done();
}

// Runs the loop for `d` whatever happens (to see that something does NOT happen).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  run_until(io, [] { return false; }, d);
}

}  // namespace mqtt_test
