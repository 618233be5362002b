#include "host/adapter/in_flight_index.h"

namespace exproto::host {

void InFlightIndex::add(InFlightEntry& e) {
  if (tail_ == nullptr || tail_->deadline <= e.deadline) {
    e.prev_ = tail_;
    e.next_ = nullptr;
    (tail_ != nullptr ? tail_->next_ : head_) = &e;
    tail_ = &e;
    ++list_size_;
    e.where_ = InFlightEntry::Where::list;
    return;
  }
  e.seq_ = ++next_seq_;
  out_of_order_.emplace(Key{e.deadline, e.seq_}, &e);
  e.where_ = InFlightEntry::Where::map;
}

void InFlightIndex::remove(InFlightEntry& e) {
  switch (e.where_) {
    case InFlightEntry::Where::list:
      (e.prev_ != nullptr ? e.prev_->next_ : head_) = e.next_;
      (e.next_ != nullptr ? e.next_->prev_ : tail_) = e.prev_;
      e.prev_ = e.next_ = nullptr;
      --list_size_;
      break;
    case InFlightEntry::Where::map:
      out_of_order_.erase(Key{e.deadline, e.seq_});
      break;
    case InFlightEntry::Where::none:
      return;
  }
  e.where_ = InFlightEntry::Where::none;
}

InFlightEntry* InFlightIndex::earliest() const {
  InFlightEntry* first = out_of_order_.empty() ? nullptr : out_of_order_.begin()->second;
  if (head_ != nullptr && (first == nullptr || head_->deadline < first->deadline)) first = head_;
  return first;
}

}  // namespace exproto::host
