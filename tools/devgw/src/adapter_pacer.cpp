#include "adapter_pacer.hpp"

#include <algorithm>

namespace exproto::devgw {

AdapterPacer::AdapterPacer(boost::asio::io_context& io, std::chrono::milliseconds delay)
    : timer_(io), delay_(std::max(delay, std::chrono::milliseconds(0))) {}

void AdapterPacer::submit(Run run, Abandon abandon) {
  if (closed_) return abandon();
  if (!stalled_ && delay_.count() == 0 && queue_.empty()) return run();
  auto due = std::chrono::steady_clock::now() + delay_;
  // A shorter delay set at run time must not let a call overtake an earlier one.
  if (!queue_.empty()) due = std::max(due, queue_.back().due);
  queue_.push_back({due, std::move(run), std::move(abandon)});
  if (queue_.size() == 1) pump();
}

void AdapterPacer::set_delay(std::chrono::milliseconds delay) { delay_ = std::max(delay, std::chrono::milliseconds(0)); }

void AdapterPacer::set_stalled(bool stalled) {
  stalled_ = stalled;
  if (!stalled_) pump();
}

void AdapterPacer::close() {
  closed_ = true;
  timer_.cancel();
  auto held = std::move(queue_);
  queue_.clear();
  for (auto& call : held) call.abandon();
}

void AdapterPacer::pump() {
  timer_.cancel();
  while (!stalled_ && !closed_ && !queue_.empty() && queue_.front().due <= std::chrono::steady_clock::now()) {
    auto call = std::move(queue_.front());
    queue_.pop_front();
    call.run();
  }
  if (stalled_ || closed_ || queue_.empty()) return;
  timer_.expires_at(queue_.front().due);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) pump();
  });
}

}  // namespace exproto::devgw
