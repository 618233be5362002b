// The adapter calls in flight, earliest deadline first: what the deadline thread, the monitor and
// shutdown look through. Calls are made in time order and most have the same timeout, so nearly
// every call expires after all those before it: it joins the end of an intrusive list, with no
// allocation and no search. The rest (a call that waited in its session's queue, or whose deadline
// was cut while connecting) go to an ordered map. A tree for every call cost ~1 % of the host's
// CPU at full speed in cache misses (issue 9).
//
// Not thread-safe: the owner holds its lock around every member. Entries are not owned; one must
// be removed before it is destroyed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

namespace exproto::host {

class InFlightIndex;

struct InFlightEntry {
  std::chrono::steady_clock::time_point deadline;  // set before add(), unchanged until removed

 private:
  friend class InFlightIndex;
  enum class Where : uint8_t { none, list, map };
  Where where_ = Where::none;
  uint64_t seq_ = 0;  // map key tie-break
  InFlightEntry* prev_ = nullptr;
  InFlightEntry* next_ = nullptr;
};

class InFlightIndex {
 public:
  InFlightIndex() = default;
  InFlightIndex(const InFlightIndex&) = delete;
  InFlightIndex& operator=(const InFlightIndex&) = delete;

  void add(InFlightEntry& e);
  // No-op for an entry not in the index (removed already).
  void remove(InFlightEntry& e);
  // The entry with the earliest deadline, or nullptr.
  InFlightEntry* earliest() const;
  bool empty() const { return head_ == nullptr && out_of_order_.empty(); }
  std::size_t size() const { return list_size_ + out_of_order_.size(); }

  // `f(InFlightEntry&)` for every entry; `f` must not add or remove.
  template <class F>
  void for_each(F&& f) const {
    for (InFlightEntry* e = head_; e != nullptr; e = e->next_) f(*e);
    for (const auto& [key, e] : out_of_order_) f(*e);
  }

 private:
  using Key = std::pair<std::chrono::steady_clock::time_point, uint64_t>;
  InFlightEntry* head_ = nullptr;
  InFlightEntry* tail_ = nullptr;
  std::size_t list_size_ = 0;
  std::map<Key, InFlightEntry*> out_of_order_;
  uint64_t next_seq_ = 0;
};

}  // namespace exproto::host
