#include "device_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "../support/loopback.h"

namespace ltest {

namespace {
using test_support::local_port_of;
using test_support::loopback;

// Rounded up: a poll() given the rounded-down remainder returns before the deadline, and a
// caller that then finds the deadline not yet reached would take the timeout for a reset.
int remaining_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}
}  // namespace

// ---- TcpDevice --------------------------------------------------------------------------------

TcpDevice::TcpDevice(uint16_t port, int sndbuf) { connect_to(port, sndbuf); }

void TcpDevice::connect_to(uint16_t port, int sndbuf) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd_ >= 0);
  if (sndbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto a = loopback(port);
  REQUIRE_MESSAGE(::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0, "connect: " << errno);
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

TcpDevice::~TcpDevice() {
  if (fd_ >= 0) ::close(fd_);
}

uint16_t TcpDevice::local_port() const { return local_port_of(fd_); }

bool TcpDevice::wait_fd(short events, std::chrono::milliseconds timeout) const {
  pollfd p{fd_, events, 0};
  return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
}

long TcpDevice::read_some(char* buf, std::size_t len, std::chrono::milliseconds timeout) {
  if (!wait_fd(POLLIN, timeout)) return -1;
  const ssize_t n = ::recv(fd_, buf, len, 0);
  return n < 0 ? -1 : n;
}

long TcpDevice::write_some(const char* buf, std::size_t len) {
  const ssize_t n = ::send(fd_, buf, len, MSG_NOSIGNAL);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  return n;
}

bool TcpDevice::send(std::string_view data, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!data.empty()) {
    const long n = write_some(data.data(), data.size());
    if (n < 0) return false;
    if (n == 0 && !wait_fd(POLLOUT, std::chrono::milliseconds(remaining_ms(deadline)))) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::size_t TcpDevice::try_send(std::string_view data) {
  const long n = write_some(data.data(), data.size());
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

std::optional<std::string> TcpDevice::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto nl = pending_.find('\n'); nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    char buf[16384];
    const long n = read_some(buf, sizeof buf, std::chrono::milliseconds(remaining_ms(deadline)));
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> TcpDevice::read_exact(std::size_t want, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pending_.size() < want) {
    char buf[65536];
    const long n = read_some(buf, sizeof buf, std::chrono::milliseconds(remaining_ms(deadline)));
    if (n <= 0) return std::nullopt;
    pending_.append(buf, static_cast<std::size_t>(n));
  }
  std::string out = pending_.substr(0, want);
  pending_.erase(0, want);
  return out;
}

std::optional<std::string> TcpDevice::read_until_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = std::move(pending_);
  pending_.clear();
  for (;;) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    char buf[65536];
    const long n = read_some(buf, sizeof buf, std::chrono::milliseconds(remaining_ms(deadline)));
    if (n == 0) return out;
    if (n < 0) {
      // A reset ends it too; a timeout does not.
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// ---- TlsDevice --------------------------------------------------------------------------------

TlsDevice::TlsDevice(uint16_t port, const std::filesystem::path& ca, const std::filesystem::path& cert,
                     const std::filesystem::path& key) {
  connect_to(port, 0);
  // The handshake runs blocking; reads later wait with poll() and SSL_pending().
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  timeval tv{5, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx_, ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  if (!cert.empty()) {
    SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM);
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  SSL_set1_host(ssl_, "127.0.0.1");
  const int r = SSL_connect(ssl_);
  if (r == 1) {
    // TLS 1.3: a server that refuses our certificate says so after this; the first read sees it.
    ok_ = true;
  } else {
    char err[256];
    ERR_error_string_n(ERR_get_error(), err, sizeof err);
    error_ = err;
  }
}

TlsDevice::~TlsDevice() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

long TlsDevice::read_some(char* buf, std::size_t len, std::chrono::milliseconds timeout) {
  if (!ok_) return -1;
  if (SSL_pending(ssl_) == 0 && !wait_fd(POLLIN, timeout)) return -1;
  const int n = SSL_read(ssl_, buf, static_cast<int>(std::min<std::size_t>(len, 1 << 30)));
  if (n > 0) return n;
  const int e = SSL_get_error(ssl_, n);
  if (e == SSL_ERROR_ZERO_RETURN) return 0;
  if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return 0;  // closed without close_notify
  if (e == SSL_ERROR_WANT_READ) return -1;
  return 0;  // an alert (e.g. certificate refused) ends the connection
}

long TlsDevice::write_some(const char* buf, std::size_t len) {
  if (!ok_) return -1;
  const int n = SSL_write(ssl_, buf, static_cast<int>(std::min<std::size_t>(len, 1 << 30)));
  return n > 0 ? n : -1;
}

// ---- UdpDevice --------------------------------------------------------------------------------

UdpDevice::UdpDevice(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd_ >= 0);
  const auto a = loopback(port);
  REQUIRE(::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
}

UdpDevice::~UdpDevice() {
  if (fd_ >= 0) ::close(fd_);
}

void UdpDevice::send(std::string_view datagram) {
  REQUIRE(::send(fd_, datagram.data(), datagram.size(), 0) == static_cast<ssize_t>(datagram.size()));
}

std::optional<std::string> UdpDevice::recv(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
  char buf[65536];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

uint16_t UdpDevice::local_port() const { return local_port_of(fd_); }

}  // namespace ltest
