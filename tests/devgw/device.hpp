// A fake device for tests: raw loopback TCP/UDP sockets with deadline-bounded reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace devgw_test {

using namespace std::chrono_literals;

class TcpDevice {
 public:
  explicit TcpDevice(std::uint16_t port);  // connects to 127.0.0.1:port (CHECKs success)
  ~TcpDevice();
  TcpDevice(const TcpDevice&) = delete;
  TcpDevice& operator=(const TcpDevice&) = delete;

  void write(const std::string& bytes);
  /// Next '\n'-terminated line (without '\n'), or nullopt at EOF/timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 3s);
  /// True once the gateway closed the socket (EOF) within timeout.
  bool wait_closed(std::chrono::milliseconds timeout = 3s);
  void close();
  std::uint16_t local_port() const { return local_port_; }

 private:
  int fd_ = -1;
  std::uint16_t local_port_ = 0;
  std::string buffer_;
};

class UdpDevice {
 public:
  explicit UdpDevice(std::uint16_t port);
  ~UdpDevice();
  UdpDevice(const UdpDevice&) = delete;
  UdpDevice& operator=(const UdpDevice&) = delete;

  void send(const std::string& datagram);
  std::optional<std::string> receive(std::chrono::milliseconds timeout = 3s);
  std::uint16_t local_port() const { return local_port_; }

 private:
  int fd_ = -1;
  std::uint16_t local_port_ = 0;
};

}  // namespace devgw_test
