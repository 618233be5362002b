#include "host/listener/conn_cap.h"

namespace exproto::host {

ConnCap::Slot& ConnCap::Slot::operator=(Slot&& o) noexcept {
  if (this != &o) {
    release();
    cap_ = o.cap_;
    o.cap_ = nullptr;
  }
  return *this;
}

void ConnCap::Slot::release() {
  if (cap_ != nullptr) cap_->taken_.fetch_sub(1, std::memory_order_relaxed);
  cap_ = nullptr;
}

std::optional<ConnCap::Slot> ConnCap::try_take() {
  if (max_ == 0) return Slot{};
  // Several shards may race for the last place: the one whose increment overshoots backs out.
  if (taken_.fetch_add(1, std::memory_order_relaxed) >= max_) {
    taken_.fetch_sub(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return Slot{this};
}

}  // namespace exproto::host
