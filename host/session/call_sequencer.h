// Keeps one session's upstream calls in order: exactly one call in flight, the next one started
// when the previous answered. EMQX runs each adapter call in its own process before it reaches
// the connection process, so two calls in flight at once could land in either order
// (Authenticate must land before Publish).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "host/upstream/upstream.h"

namespace exproto::host {

class CallSequencer : public std::enable_shared_from_this<CallSequencer> {
 public:
  using OnDone = std::function<void(uint64_t request_id, int32_t kind, const UpstreamResult& result)>;

  CallSequencer(Upstream& upstream, OnDone on_done);

  void push(uint64_t request_id, UpstreamCall call);
  // Calls queued or in flight.
  std::size_t pending() const;
  // Forgets queued calls (the conn is gone); the one in flight still completes. Returns how many.
  std::size_t drop_queued();

 private:
  struct Item {
    uint64_t id;
    int32_t kind;
    UpstreamCall call;  // moved out when started
  };
  void start_next(std::unique_lock<std::mutex>& lk);

  Upstream& upstream_;
  OnDone on_done_;
  mutable std::mutex mu_;
  std::deque<Item> queue_;  // front is in flight when in_flight_
  bool in_flight_ = false;
};

}  // namespace exproto::host
