#include "fuzz_upstream.h"

#include "fuzz_check.h"

namespace exproto::host::fuzz {

HeldUpstream::~HeldUpstream() {
  // Upstream's contract: `done` runs exactly once. A call still held here was never answered.
  require(held_.empty(), "an upstream call was never answered");
}

void HeldUpstream::call(UpstreamCall, std::function<void(UpstreamResult)> done) {
  std::lock_guard lk(mu_);
  held_.push_back(std::move(done));
}

std::size_t HeldUpstream::answer_all(int32_t code) {
  std::deque<std::function<void(UpstreamResult)>> now;
  {
    std::lock_guard lk(mu_);
    now.swap(held_);
  }
  // Outside the lock: an answer may run a hook inline that makes the next call.
  for (auto& done : now) done(UpstreamResult{code, code == EXPROTO_RESULT_SUCCESS ? "" : "fuzz"});
  return now.size();
}

std::size_t HeldUpstream::held() const {
  std::lock_guard lk(mu_);
  return held_.size();
}

}  // namespace exproto::host::fuzz
