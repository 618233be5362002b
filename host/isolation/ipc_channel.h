// One end of a socketpair carrying frames (ipc_frame.h), with a read buffer so that a frame
// usually costs one recv. Used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "host/isolation/unique_fd.h"

namespace exproto::host::ipc {

class Channel {
 public:
  // `poll_tick`: how long one blocking recv may wait before the caller's deadline is looked at
  // again (set as SO_RCVTIMEO, so a wait costs no extra poll syscall); zero blocks forever.
  explicit Channel(UniqueFd fd, std::chrono::milliseconds poll_tick = {});

  // Writes a whole frame. False when the other end is gone (never raises SIGPIPE).
  bool write(std::string_view frame);

  enum class Read { frame, closed, timeout, bad };
  // Waits for the next frame until `deadline`; on Read::frame `body` views it until the next
  // read. `bad`: a length over kMaxFrame or zero.
  Read read(std::string_view& body,
            std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max());

  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::vector<char> buf_;
  std::size_t start_ = 0;  // first unread byte
  std::size_t end_ = 0;    // one past the last received byte
};

}  // namespace exproto::host::ipc
