// Many jsonframe devices at once on one Asio thread: connect, send CONNECT, wait for CONNACK.
// What a fleet does when its broker comes back: everyone reconnects at the same moment.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace exproto::recovery {

class Fleet {
 public:
  explicit Fleet(std::size_t devices);
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  struct Outcome {
    std::size_t connected = 0;  // CONNACK code 0 received
    std::size_t failed = 0;     // refused, closed, wrong answer or timed out
    std::chrono::duration<double> elapsed{};  // until the last device finished
  };
  // Every device connects to 127.0.0.1:`port` at once and authenticates as `<prefix><i>`.
  Outcome connect_all(uint16_t port, const std::string& prefix, std::chrono::milliseconds timeout);
  // Waits until every device's socket was closed by the other side; returns how many were.
  std::size_t wait_all_closed(std::chrono::milliseconds timeout);
  void close_all();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::recovery
