// Keeps one session's upstream calls in order: exactly one call in flight, the next one started
// when the previous answered. EMQX runs each adapter call in its own process before it reaches
// the connection process, so two calls in flight at once could land in either order
// (Authenticate must land before Publish).
#pragma once

#include <cstdint>
#include <list>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "host/session/memory_budget.h"
#include "host/upstream/upstream.h"

namespace exproto::host {

class CallSequencer : public std::enable_shared_from_this<CallSequencer> {
 public:
  using OnDone = std::function<void(uint64_t request_id, int32_t kind, const UpstreamResult& result)>;

  // `budget` receives back the bytes of each call when it is answered or dropped (the caller
  // reserved upstream_call_bytes() before push()).
  CallSequencer(Upstream& upstream, std::shared_ptr<MemoryBudget> budget, OnDone on_done);

  // Stamps `call.queued_at` (its deadline counts from now) and queues it.
  void push(uint64_t request_id, UpstreamCall call);
  // Queues a call the host refused after its id was already handed out (an isolated codec's child
  // returns ids without waiting for the host): it is never sent, and completes in its turn with
  // EXPROTO_RESULT_HOST_UNAVAILABLE and `why`, so results still arrive in the order of the calls.
  void push_refused(uint64_t request_id, int32_t kind, std::string why);
  // Calls queued or in flight.
  std::size_t pending() const;
  // Bytes of the calls queued or in flight.
  std::size_t pending_bytes() const;
  // Forgets queued calls (the conn is gone); the one in flight still completes. Returns how many.
  std::size_t drop_queued();

 private:
  struct Item {
    uint64_t id;
    int32_t kind;
    std::size_t bytes;
    UpstreamCall call;  // moved out when started
    std::optional<std::string> refused;  // push_refused: the reason, and nothing to send
  };
  void start_next(std::unique_lock<std::mutex>& lk);

  Upstream& upstream_;
  std::shared_ptr<MemoryBudget> budget_;
  OnDone on_done_;
  mutable std::mutex mu_;
  // front is in flight when in_flight_. A list: an empty one allocates nothing (a deque holds
  // ~400 B per idle session), and a session rarely has more than one call queued.
  std::list<Item> queue_;
  bool in_flight_ = false;
  std::shared_ptr<CallSequencer> in_flight_self_;  // set while a call is in flight
  std::size_t bytes_ = 0;
};

}  // namespace exproto::host
