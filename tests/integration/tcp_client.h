// A device for tests: one loopback TCP connection with deadline-bounded reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace itest {

using namespace std::chrono_literals;

class TcpClient {
 public:
  explicit TcpClient(uint16_t port);  // connects to 127.0.0.1:port or fails the test
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void write(const std::string& bytes);
  // Reads until `done(buffer)` holds; returns the buffer (and clears it) or nullopt on timeout/EOF.
  std::optional<std::string> read_until(const std::function<bool(const std::string&)>& done,
                                        std::chrono::milliseconds timeout = 5s);
  // Exactly `n` bytes.
  std::optional<std::string> read_n(std::size_t n, std::chrono::milliseconds timeout = 5s);
  // One '\n'-terminated line without the '\n'.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
  // True when the peer closed the connection within `timeout` (bytes arriving meanwhile are kept).
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  uint16_t local_port() const { return local_port_; }
  const std::string& pending() const { return buffer_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false on EOF or timeout
  int fd_ = -1;
  bool eof_ = false;
  uint16_t local_port_ = 0;
  std::string buffer_;
};

}  // namespace itest
