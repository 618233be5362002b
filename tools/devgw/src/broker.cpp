#include "broker.hpp"

#include "devgw/topic.hpp"

#include <chrono>
#include <fmt/format.h>

namespace exproto::devgw {

Broker::Broker(std::string node, std::uint64_t seed)
    : node_(std::move(node)), rng_(seed), salt_(static_cast<std::uint32_t>(rng_())) {}

void Broker::subscribe(const std::string& conn, const std::string& filter, std::uint32_t qos) {
  subscriptions_[filter][conn] = qos;
}

bool Broker::unsubscribe(const std::string& conn, const std::string& filter) {
  auto it = subscriptions_.find(filter);
  if (it == subscriptions_.end() || it->second.erase(conn) == 0) return false;
  if (it->second.empty()) subscriptions_.erase(it);
  return true;
}

void Broker::drop(const std::string& conn) {
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    it->second.erase(conn);
    it = it->second.empty() ? subscriptions_.erase(it) : std::next(it);
  }
}

std::vector<std::pair<std::string, Delivery>> Broker::route(const std::string& topic, std::uint32_t qos,
                                                            const std::string& payload, const std::string& from) {
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  // One message, one id: every subscriber sees the same GUID as in EMQX.
  Delivery message{node_, next_message_id(), qos, from, topic, payload, now_ms};
  std::vector<std::pair<std::string, Delivery>> out;
  for (const auto& [filter, subscribers] : subscriptions_) {
    if (!topic_matches(filter, topic)) continue;
    for (const auto& [conn, sub_qos] : subscribers) out.emplace_back(conn, message);
  }
  return out;
}

std::string Broker::next_message_id() {
  // EMQX GUIDs are time-ordered 128-bit values: microseconds, then node-unique bits, then a sequence.
  const auto micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  return fmt::format("{:016X}{:08X}{:08X}", micros, salt_, ++counter_);
}

}  // namespace exproto::devgw
