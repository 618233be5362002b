// The device end of the tests: plain blocking POSIX sockets (and OpenSSL for TLS) with poll()
// timeouts, so every wait in a test is bounded and nothing shares the host's Asio code.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ltest {

using namespace std::chrono_literals;

class TcpDevice {
 public:
  // Connects to 127.0.0.1:`port`; `sndbuf` > 0 sets SO_SNDBUF first (a small one makes the
  // kernel's queues fill sooner).
  explicit TcpDevice(uint16_t port, int sndbuf = 0);
  virtual ~TcpDevice();
  TcpDevice(const TcpDevice&) = delete;
  TcpDevice& operator=(const TcpDevice&) = delete;

  // Writes all of `data` (waits for room, at most `timeout`); false on error or timeout.
  bool send(std::string_view data, std::chrono::milliseconds timeout = 5s);
  // One non-blocking write: the bytes the kernel took (0 when its buffers are full).
  std::size_t try_send(std::string_view data);
  // The next line without its "\n"; nullopt on timeout, end or error.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = 5s);
  // Exactly `n` bytes, or nullopt.
  std::optional<std::string> read_exact(std::size_t n, std::chrono::milliseconds timeout = 5s);
  // Whatever arrives until the host closes the connection; nullopt if it stays open past `timeout`.
  std::optional<std::string> read_until_closed(std::chrono::milliseconds timeout = 5s);
  // The local port (the peer port the host sees).
  uint16_t local_port() const;
  int fd() const { return fd_; }

 protected:
  TcpDevice() = default;
  void connect_to(uint16_t port, int sndbuf);
  // One read of what is there: > 0 bytes, 0 at the end, -1 on error or timeout.
  virtual long read_some(char* buf, std::size_t len, std::chrono::milliseconds timeout);
  virtual long write_some(const char* buf, std::size_t len);
  bool wait_fd(short events, std::chrono::milliseconds timeout) const;

  int fd_ = -1;
  std::string pending_;  // read but not returned yet
};

class TlsDevice final : public TcpDevice {
 public:
  // Handshakes with the host; `ca` verifies the host's certificate; `cert`/`key` (optional) are
  // the device's own. `ok()` tells whether the handshake succeeded.
  TlsDevice(uint16_t port, const std::filesystem::path& ca, const std::filesystem::path& cert = {},
            const std::filesystem::path& key = {});
  ~TlsDevice() override;
  bool ok() const { return ok_; }
  std::string error() const { return error_; }

 private:
  long read_some(char* buf, std::size_t len, std::chrono::milliseconds timeout) override;
  long write_some(const char* buf, std::size_t len) override;

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
  std::string error_;
};

class UdpDevice {
 public:
  explicit UdpDevice(uint16_t port);  // "connected" to 127.0.0.1:`port`
  ~UdpDevice();
  UdpDevice(const UdpDevice&) = delete;
  UdpDevice& operator=(const UdpDevice&) = delete;
  void send(std::string_view datagram);
  std::optional<std::string> recv(std::chrono::milliseconds timeout = 5s);
  uint16_t local_port() const;

 private:
  int fd_ = -1;
};

}  // namespace ltest
