#include "host/isolation/isolation_hub.h"

#include <thread>

#include "host/session/dispatcher.h"
#include "host/session/session.h"

namespace exproto::host {

void IsolationHub::attach(Dispatcher* dispatcher) {
  std::lock_guard lk(mu_);
  dispatcher_ = dispatcher;
}

std::size_t IsolationHub::close_sessions(const CodecInstance* instance, const std::string& why) {
  std::lock_guard lk(mu_);
  if (dispatcher_ == nullptr) return 0;
  std::size_t n = 0;
  // Restart is the reloader's way of closing a session between two of its events: the session
  // runs on_session_close (the proxy just forgets its handle) and asks EMQX to close the socket.
  dispatcher_->for_each_session([&](Session& s) {
    if (s.codec_snapshot().get() != instance) return;
    s.push(event::Restart{why});
    ++n;
  });
  return n;
}

bool IsolationHub::wait_lane_hooks(std::chrono::steady_clock::time_point deadline) const {
  // Only at shutdown, for at most the grace left: a plain poll is enough.
  while (lane_hooks_.load() != 0) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace exproto::host
