// The in-memory MQTT broker: subscriptions per conn and routing of published messages.
// Used on the gateway's I/O thread only.
#pragma once

#include "devgw/records.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace exproto::devgw {

class Broker {
 public:
  Broker(std::string node, std::uint64_t seed);

  /// Adds or updates (qos) conn's subscription to `filter`.
  void subscribe(const std::string& conn, const std::string& filter, std::uint32_t qos);
  /// Removes it; false if it did not exist.
  bool unsubscribe(const std::string& conn, const std::string& filter);
  /// Removes every subscription of a conn that ended.
  void drop(const std::string& conn);

  /// One delivery per matching subscription (EMQX does not de-duplicate overlapping filters);
  /// qos is the published qos, no-local is off.
  std::vector<std::pair<std::string, Delivery>> route(const std::string& topic, std::uint32_t qos,
                                                      const std::string& payload, const std::string& from);

 private:
  std::string next_message_id();

  std::string node_;
  std::mt19937_64 rng_;
  std::uint32_t salt_;
  std::uint32_t counter_ = 0;
  // filter → (conn → qos); ordered so deliveries are deterministic.
  std::map<std::string, std::map<std::string, std::uint32_t>> subscriptions_;
};

}  // namespace exproto::devgw
