#include "host/session/event.h"

namespace exproto::host {

const char* event_name(const Event& e) {
  static constexpr const char* kNames[] = {"OnSocketCreated", "OnReceivedBytes", "OnReceivedMessages",
                                           "OnTimerTimeout",  "OnSocketClosed",  "timer",
                                           "call result",     "migrate",         "restart"};
  return kNames[e.index()];
}

}  // namespace exproto::host
