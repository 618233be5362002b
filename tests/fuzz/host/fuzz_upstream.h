// The Upstream of host_fuzz_events: holds every call until the driver answers it, so the input
// decides when EMQX answers and with which code.
#pragma once

#include <deque>
#include <functional>
#include <mutex>

#include "host/upstream/upstream.h"

namespace exproto::host::fuzz {

class HeldUpstream : public Upstream {
 public:
  ~HeldUpstream() override;
  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;
  // Answers the calls held now (not those their answers cause) with `code`; how many.
  std::size_t answer_all(int32_t code);
  std::size_t held() const;

 private:
  mutable std::mutex mu_;
  std::deque<std::function<void(UpstreamResult)>> held_;
};

}  // namespace exproto::host::fuzz
