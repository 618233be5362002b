#include "host/mqtt/write_queue.h"

namespace exproto::host::mqtt {

void WriteQueue::push(std::string_view packet, Written written) {
  queued_.append(packet);
  if (written) queued_done_.push_back(std::move(written));
}

std::string_view WriteQueue::begin_write() {
  if (active_ || queued_.empty()) return {};
  active_ = true;
  writing_.swap(queued_);
  writing_done_.swap(queued_done_);
  return writing_;
}

std::vector<WriteQueue::Written> WriteQueue::end_write() {
  active_ = false;
  // Memory goes back rather than staying as capacity: most connections are idle most of the
  // time, and 100 000 idle buffers of a past burst would be the largest cost of all.
  std::string().swap(writing_);
  std::vector<Written> done;
  done.swap(writing_done_);
  if (queued_.empty()) std::string().swap(queued_);
  return done;
}

std::vector<WriteQueue::Written> WriteQueue::clear() {
  std::vector<Written> done;
  done.swap(writing_done_);
  for (auto& w : queued_done_) done.push_back(std::move(w));
  std::vector<Written>().swap(queued_done_);
  std::string().swap(queued_);
  // A write in progress still reads writing_: it is freed by end_write() when the socket gives
  // the buffer back (the aborted write completes after close).
  return done;
}

}  // namespace exproto::host::mqtt
