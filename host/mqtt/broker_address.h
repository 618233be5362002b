// Where the broker is: "host:port" from mqtt.server, turned into endpoints. A numeric address
// needs no lookup; a host name is resolved with Asio's async resolver the first time it is needed
// and the answer kept (re-resolved after a connection to every endpoint failed), so a device's
// authenticate never blocks a thread on DNS.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace exproto::host::mqtt {

struct BrokerAddress {
  std::string host;  // without brackets for IPv6
  uint16_t port = 0;
};

// "127.0.0.1:1883", "broker.local:8883", "[::1]:1883".
std::expected<BrokerAddress, std::string> parse_broker_address(const std::string& server);

// Shared by all connections of one upstream, used from any thread.
class BrokerEndpoints {
 public:
  using Endpoints = std::vector<boost::asio::ip::tcp::endpoint>;
  explicit BrokerEndpoints(BrokerAddress address);

  // `done(endpoints or error)` runs on `ex` (never inline).
  void get(const boost::asio::any_io_executor& ex, std::function<void(std::expected<Endpoints, std::string>)> done);
  // Forget a resolved answer (every endpoint failed): the next get() asks DNS again.
  void forget();
  const BrokerAddress& address() const { return address_; }

 private:
  BrokerAddress address_;
  bool numeric_ = false;
  std::mutex mutex_;  // guards cache_ only; the lookup itself runs without it
  Endpoints cache_;
};

}  // namespace exproto::host::mqtt
