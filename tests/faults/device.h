// A plain TCP device for process-level tests. Unlike the in-process test devices it never
// fails the test by itself: a gateway that is down or killed is an expected state here, so
// every operation reports what happened and the test decides.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace faults {

using namespace std::chrono_literals;

class Device {
 public:
  /// Connects to 127.0.0.1:port; nullptr if refused or not connected within `timeout`.
  static std::unique_ptr<Device> connect(std::uint16_t port, std::chrono::milliseconds timeout = 2s);
  ~Device();
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;

  /// False if the socket failed (reset, closed).
  bool write(std::string_view bytes);
  /// The next '\n'-terminated line without '\n' ('\r' kept); nullopt on timeout, EOF or reset.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
  /// True once the gateway closed or reset the socket within `timeout`; bytes arriving
  /// meanwhile are kept for read_line.
  bool wait_closed(std::chrono::milliseconds timeout = 5s);
  void close();
  std::uint16_t local_port() const { return local_port_; }

 private:
  explicit Device(int fd);
  /// Reads what is there within the deadline; false on timeout, EOF or error.
  bool fill(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  bool ended_ = false;  // EOF or error seen
  std::uint16_t local_port_ = 0;
  std::string buffer_;
};

/// One request line, one answer line, on a fresh connection (the devgw control port).
std::optional<std::string> ask_line(std::uint16_t port, std::string_view line, std::chrono::milliseconds timeout = 3s);

}  // namespace faults
