#include "host/session/event.h"

namespace exproto::host {

const char* event_name(const Event& e) {
  static constexpr const char* kNames[] = {"OnSocketCreated", "OnReceivedBytes", "OnReceivedMessages",
                                           "OnTimerTimeout",  "OnSocketClosed",  "timer",
                                           "call result",     "migrate",         "restart",
                                           "probe"};
  static_assert(std::size(kNames) == std::variant_size_v<Event>);
  return kNames[e.index()];
}

std::size_t event_payload_bytes(const Event& e) {
  if (const auto* b = std::get_if<event::Bytes>(&e)) return b->data.size();
  if (const auto* m = std::get_if<event::Messages>(&e)) {
    std::size_t n = 0;
    for (const auto& msg : m->messages)
      n += msg.payload.size() + msg.topic.size() + msg.id.size() + msg.from.size() + msg.node.size();
    return n;
  }
  return 0;
}

}  // namespace exproto::host
