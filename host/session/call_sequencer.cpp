#include "host/session/call_sequencer.h"

namespace exproto::host {

CallSequencer::CallSequencer(Upstream& upstream, std::shared_ptr<MemoryBudget> budget, OnDone on_done)
    : upstream_(upstream), budget_(std::move(budget)), on_done_(std::move(on_done)) {}

void CallSequencer::push(uint64_t request_id, UpstreamCall call) {
  call.queued_at = std::chrono::steady_clock::now();
  const std::size_t bytes = upstream_call_bytes(call);
  std::unique_lock lk(mu_);
  const int32_t kind = call.kind;
  queue_.emplace_back(request_id, kind, bytes, std::move(call), std::nullopt);
  bytes_ += bytes;
  if (!in_flight_) start_next(lk);
}

void CallSequencer::push_refused(uint64_t request_id, int32_t kind, std::string why) {
  std::unique_lock lk(mu_);
  UpstreamCall none;
  none.kind = static_cast<exproto_type_call_kind>(kind);
  queue_.push_back(Item{request_id, kind, 0, std::move(none), std::move(why)});
  if (!in_flight_) start_next(lk);
}

std::size_t CallSequencer::pending() const {
  std::lock_guard lk(mu_);
  return queue_.size();
}

std::size_t CallSequencer::pending_bytes() const {
  std::lock_guard lk(mu_);
  return bytes_;
}

std::size_t CallSequencer::drop_queued() {
  std::lock_guard lk(mu_);
  const std::size_t keep = in_flight_ ? 1 : 0;
  const std::size_t dropped = queue_.size() - keep;
  std::size_t freed = 0;
  for (auto it = std::next(queue_.begin(), static_cast<std::ptrdiff_t>(keep)); it != queue_.end(); ++it) freed += it->bytes;
  queue_.resize(keep);
  bytes_ -= freed;
  budget_->release(freed);
  return dropped;
}

void CallSequencer::start_next(std::unique_lock<std::mutex>& lk) {
  // Refused calls at the front complete here, in their turn, without going anywhere.
  while (!queue_.empty() && queue_.front().refused) {
    Item item = std::move(queue_.front());
    queue_.pop_front();
    in_flight_ = true;  // a push() from inside on_done_ must not start the next call under us
    lk.unlock();
    UpstreamResult r{EXPROTO_RESULT_HOST_UNAVAILABLE, std::move(*item.refused)};
    r.never_sent = true;
    if (on_done_) on_done_(item.id, item.kind, r);
    lk.lock();
    in_flight_ = false;
  }
  if (queue_.empty()) return;
  in_flight_ = true;
  // Moved out only by upstream_.call() below: the front stays put while it is in flight (pushes
  // go to the back; drop_queued() keeps it) and its answer cannot come before the call is made.
  UpstreamCall& call = queue_.front().call;
  // Keeps the sequencer alive until the answer came, even if its session is gone. A member rather
  // than a capture: a callback holding only `this` fits std::function without an allocation.
  in_flight_self_ = shared_from_this();
  lk.unlock();
  upstream_.call(std::move(call), [this](UpstreamResult r) {
    std::shared_ptr<CallSequencer> keep;  // declared first: outlives the lock on its mutex
    std::unique_lock lk2(mu_);
    keep = std::move(in_flight_self_);
    Item item = std::move(queue_.front());
    queue_.pop_front();
    in_flight_ = false;
    bytes_ -= item.bytes;
    lk2.unlock();
    budget_->release(item.bytes);
    if (on_done_) on_done_(item.id, item.kind, r);
    lk2.lock();
    if (!in_flight_) start_next(lk2);
  });
}

}  // namespace exproto::host
