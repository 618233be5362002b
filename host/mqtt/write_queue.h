// Bytes waiting to be written to one broker connection: one buffer being written, one collecting
// what comes meanwhile (so a burst of packets leaves in one write). Both give their memory back
// when the connection goes idle. The owner bounds bytes(); this class only counts.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace exproto::host::mqtt {

class WriteQueue {
 public:
  // Runs once the packet has been handed to the socket (true) or could not be (false).
  using Written = std::function<void(bool written)>;

  void push(std::string_view packet, Written written = {});
  // Bytes queued and being written.
  std::size_t bytes() const { return writing_.size() + queued_.size(); }
  bool writing() const { return active_; }
  bool empty() const { return !active_ && queued_.empty(); }

  // Moves what is queued into the write buffer; the view stays valid until end_write().
  // Empty when nothing is queued or a write is already active.
  std::string_view begin_write();
  // The active write finished (or failed): returns its callbacks for the caller to run.
  std::vector<Written> end_write();
  // Drops what is queued and returns every callback (to run with false); a write in progress
  // keeps its buffer until end_write().
  std::vector<Written> clear();

 private:
  bool active_ = false;
  std::string writing_;
  std::string queued_;
  std::vector<Written> writing_done_;
  std::vector<Written> queued_done_;
};

}  // namespace exproto::host::mqtt
