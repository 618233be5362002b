// One two-way link carrying frames (ipc_frame.h) over a pair of pipes — one per direction — with
// a read buffer so that a frame usually costs one read. Used by one thread at a time.
//
// Pipes and not a socketpair: a ping-pong between two processes on one CPU measured 5.3 µs of CPU
// per round trip on pipes against 9.9 µs on a socketpair on the development VM; among other things
// a socket wakes a peer sleeping in recv whenever this side consumes what the peer sent (the
// freed send buffer), which a pipe does not.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/os/unique_fd.h"

namespace exproto::host::ipc {

class Channel {
 public:
  // `in` is read, `out` written. `host_side`: the host's end, which
  // - guards against SIGPIPE: a write to a pipe whose reader is gone raises it, which ends the
  //   process unless it ignores it; the host does not (and must not change that for the whole
  //   process), so a thread that writes here keeps SIGPIPE blocked from its first write on (one
  //   sigprocmask per thread instead of two per write) and takes back the one a failed write left
  //   pending; the child ignores SIGPIPE;
  // - reads `in` without blocking first and polls only when nothing is there: the child usually
  //   answers a hook before the host thread runs again (it runs on the same CPU and preempts the
  //   writer), so a round trip is one write and one read instead of a write, a poll and a read.
  Channel(UniqueFd in, UniqueFd out, bool host_side);

  // Writes a whole frame (or several). False when the other end is gone.
  bool write(std::string_view frames);

  enum class Read { frame, closed, timeout, bad };
  // Waits for the next frame until `deadline`; on Read::frame `body` views it until the next
  // read. `bad`: a length over kMaxFrame or zero.
  Read read(std::string_view& body,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

  int in_fd() const { return in_.get(); }  // readable (EOF) when the other end is gone
  int out_fd() const { return out_.get(); }

  // For a reader that waits on several fds itself (a hook lane, hook_lane.h): the next whole frame
  // already received or readable now, without waiting; Read::timeout when there is none yet.
  // After a read that left the pipe empty it does not read again (a syscall that would find
  // nothing) until readable() says poll saw more.
  Read read_now(std::string_view& body);
  void readable() { drained_ = false; }
  // A whole frame is already in the read buffer (the child: more hooks wait, so the answers of
  // this one can wait for theirs and go in one write).
  bool frame_buffered() const;

  // Host side, writes that never block (a lane's writer may not wait for a child that is stuck):
  // makes `out` non-blocking; write_some() then writes what fits and returns how much, or
  // nothing when the other end is gone.
  void make_writes_nonblocking();
  std::optional<std::size_t> write_some(std::string_view data);

 private:
  bool write_all(std::string_view data);
  // The next whole frame in the buffer: Read::frame, Read::bad, or Read::timeout for none yet
  // (the buffer then has room for more).
  Read take_buffered(std::string_view& body);

  UniqueFd in_;
  UniqueFd out_;
  bool host_side_;
  std::vector<char> buf_;
  std::size_t start_ = 0;  // first unread byte
  std::size_t end_ = 0;    // one past the last received byte
  bool drained_ = false;   // read_now's last read took everything the pipe had
};

}  // namespace exproto::host::ipc
