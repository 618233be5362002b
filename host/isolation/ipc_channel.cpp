#include "host/isolation/ipc_channel.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "host/isolation/ipc_frame.h"

namespace exproto::host::ipc {

namespace {
constexpr std::size_t kInitialBuffer = 64 * 1024;
}

Channel::Channel(UniqueFd fd, std::chrono::milliseconds poll_tick) : fd_(std::move(fd)), buf_(kInitialBuffer) {
  if (poll_tick.count() > 0) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(poll_tick.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((poll_tick.count() % 1000) * 1000);
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
}

bool Channel::write(std::string_view frame) {
  while (!frame.empty()) {
    const ssize_t n = ::send(fd_.get(), frame.data(), frame.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    frame.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Channel::Read Channel::read(std::string_view& body, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    const std::size_t have = end_ - start_;
    if (have >= 4) {
      uint32_t len = 0;
      std::memcpy(&len, buf_.data() + start_, 4);
      if (len == 0 || len > kMaxFrame) return Read::bad;
      if (have >= 4 + len) {
        body = std::string_view(buf_.data() + start_ + 4, len);
        start_ += 4 + len;
        return Read::frame;
      }
      if (buf_.size() - start_ < 4 + len) {
        // Make room for the whole frame: move the partial frame to the front, grow if needed.
        std::memmove(buf_.data(), buf_.data() + start_, have);
        start_ = 0;
        end_ = have;
        if (buf_.size() < 4 + len) buf_.resize(4 + len);
      }
    } else if (start_ == end_) {
      start_ = end_ = 0;  // empty: reuse the buffer from its start
      if (buf_.size() > kInitialBuffer) {
        // One huge delivery must not pin its size on the channel for good.
        buf_.resize(kInitialBuffer);
        buf_.shrink_to_fit();
      }
    } else if (buf_.size() - start_ < 4) {
      std::memmove(buf_.data(), buf_.data() + start_, have);
      start_ = 0;
      end_ = have;
    }
    const ssize_t n = ::recv(fd_.get(), buf_.data() + end_, buf_.size() - end_, 0);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return Read::closed;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (std::chrono::steady_clock::now() >= deadline) return Read::timeout;
      continue;
    }
    return Read::closed;  // ECONNRESET and the like: the other side is gone
  }
}

}  // namespace exproto::host::ipc
