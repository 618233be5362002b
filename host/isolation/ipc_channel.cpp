#include "host/isolation/ipc_channel.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "host/isolation/ipc_frame.h"

namespace exproto::host::ipc {

namespace {
constexpr std::size_t kInitialBuffer = 64 * 1024;
}

Channel::Channel(UniqueFd in, UniqueFd out, bool guard_sigpipe)
    : in_(std::move(in)), out_(std::move(out)), guard_sigpipe_(guard_sigpipe), buf_(kInitialBuffer) {}

bool Channel::write_all(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(out_.get(), data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Channel::write(std::string_view frames) {
  if (!guard_sigpipe_) return write_all(frames);
  sigset_t pipe;
  sigset_t old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  const bool ok = write_all(frames);
  if (!ok && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
    // The failed write left SIGPIPE pending on this thread: take it before unblocking.
    const timespec now{};
    while (::sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
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
    if (deadline != std::chrono::steady_clock::time_point::max()) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return Read::timeout;
      pollfd p{in_.get(), POLLIN, 0};
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
      const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(ms, 60'000)));
      if (ready == 0 || (ready < 0 && errno == EINTR)) continue;  // looks at the deadline again
      if (ready < 0) return Read::closed;
    }
    const ssize_t n = ::read(in_.get(), buf_.data() + end_, buf_.size() - end_);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return Read::closed;
    if (errno == EINTR) continue;
    return Read::closed;  // the other side is gone
  }
}

}  // namespace exproto::host::ipc
