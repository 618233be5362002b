#include "host/isolation/ipc_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
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

// This thread's SIGPIPE, blocked for good by its first write to a child (a host thread that writes
// to a child once usually does it for every hook it runs).
enum class PipeMask { untouched, blocked_here, blocked_before };
thread_local PipeMask t_pipe_mask = PipeMask::untouched;

void block_sigpipe_once() {
  if (t_pipe_mask != PipeMask::untouched) return;
  sigset_t pipe;
  sigset_t old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  t_pipe_mask = sigismember(&old, SIGPIPE) ? PipeMask::blocked_before : PipeMask::blocked_here;
}

// A failed write left SIGPIPE pending on this thread: take it, unless the thread blocked SIGPIPE
// itself (then a pending one may be someone else's to wait for).
void take_pending_sigpipe() {
  if (t_pipe_mask != PipeMask::blocked_here) return;
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  const timespec now{};
  while (::sigtimedwait(&pipe, nullptr, &now) < 0 && errno == EINTR) {
  }
}
}  // namespace

Channel::Channel(UniqueFd in, UniqueFd out, bool host_side)
    : in_(std::move(in)), out_(std::move(out)), host_side_(host_side), buf_(kInitialBuffer) {
  if (host_side_ && in_.get() >= 0) {
    const int flags = ::fcntl(in_.get(), F_GETFL);
    if (flags >= 0) ::fcntl(in_.get(), F_SETFL, flags | O_NONBLOCK);
  }
}

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
  if (!host_side_) return write_all(frames);
  block_sigpipe_once();
  const bool ok = write_all(frames);
  if (!ok && errno == EPIPE) take_pending_sigpipe();
  return ok;
}

Channel::Read Channel::take_buffered(std::string_view& body) {
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
  return Read::timeout;
}

bool Channel::frame_buffered() const {
  const std::size_t have = end_ - start_;
  if (have < 4) return false;
  uint32_t len = 0;
  std::memcpy(&len, buf_.data() + start_, 4);
  return have >= 4 + static_cast<std::size_t>(len);
}

Channel::Read Channel::read_now(std::string_view& body) {
  for (;;) {
    if (const Read got = take_buffered(body); got != Read::timeout) return got;
    if (drained_) return Read::timeout;
    const std::size_t room = buf_.size() - end_;
    const ssize_t n = ::read(in_.get(), buf_.data() + end_, room);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      drained_ = static_cast<std::size_t>(n) < room;
      continue;
    }
    if (n == 0) return Read::closed;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      drained_ = true;
      return Read::timeout;
    }
    if (errno == EINTR) continue;
    return Read::closed;
  }
}

void Channel::make_writes_nonblocking() {
  const int flags = ::fcntl(out_.get(), F_GETFL);
  if (flags >= 0) ::fcntl(out_.get(), F_SETFL, flags | O_NONBLOCK);
}

std::optional<std::size_t> Channel::write_some(std::string_view data) {
  block_sigpipe_once();
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(out_.get(), data.data() + written, data.size() - written);
    if (n >= 0) {
      written += static_cast<std::size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    if (errno == EPIPE) take_pending_sigpipe();
    return std::nullopt;
  }
  return written;
}

Channel::Read Channel::read(std::string_view& body, std::chrono::steady_clock::time_point deadline) {
  bool must_wait = false;  // the last read found nothing (host side) or the poll timed out
  bool yielded = false;
  for (;;) {
    if (const Read got = take_buffered(body); got != Read::timeout) return got;
    // The host side reads first and waits only when nothing is there (its fd does not block); the
    // child's read blocks, and it never has a deadline.
    const bool wait_first = !host_side_ && deadline != std::chrono::steady_clock::time_point::max();
    if (wait_first || must_wait) {
      must_wait = false;
      int timeout_ms = -1;
      if (deadline != std::chrono::steady_clock::time_point::max()) {
        const auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::steady_clock::duration::zero()) return Read::timeout;
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
        timeout_ms = static_cast<int>(std::min<int64_t>(ms, 60'000));
      }
      pollfd p{in_.get(), POLLIN, 0};
      const int ready = ::poll(&p, 1, timeout_ms);
      if (ready == 0 || (ready < 0 && errno == EINTR)) {
        must_wait = true;  // looks at the deadline again
        continue;
      }
      if (ready < 0) return Read::closed;
    }
    const ssize_t n = ::read(in_.get(), buf_.data() + end_, buf_.size() - end_);
    if (n > 0) {
      end_ += static_cast<std::size_t>(n);
      continue;
    }
    if (n == 0) return Read::closed;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // Nothing yet: the child woken by our write is usually runnable on this CPU (it follows
      // the host thread's CPU). Yielding to it once costs one syscall; sleeping in poll costs a
      // sleep and a wake-up.
      if (!yielded) {
        yielded = true;
        ::sched_yield();
        continue;
      }
      must_wait = true;
      continue;
    }
    if (errno == EINTR) continue;
    return Read::closed;  // the other side is gone
  }
}

}  // namespace exproto::host::ipc
