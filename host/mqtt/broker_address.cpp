#include "host/mqtt/broker_address.h"

#include <charconv>
#include <memory>

#include <boost/asio/post.hpp>

namespace exproto::host::mqtt {

namespace net = boost::asio;
using tcp = net::ip::tcp;

std::expected<BrokerAddress, std::string> parse_broker_address(const std::string& server) {
  const auto colon = server.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::unexpected("mqtt.server: expected host:port, got \"" + server + "\"");
  BrokerAddress a;
  a.host = server.substr(0, colon);
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  const std::string port = server.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
    return std::unexpected("mqtt.server: bad port in \"" + server + "\"");
  }
  a.port = static_cast<uint16_t>(value);
  return a;
}

BrokerEndpoints::BrokerEndpoints(BrokerAddress address) : address_(std::move(address)) {
  boost::system::error_code ec;
  const auto ip = net::ip::make_address(address_.host, ec);
  if (!ec) {
    numeric_ = true;
    cache_.emplace_back(ip, address_.port);
  }
}

void BrokerEndpoints::forget() {
  if (numeric_) return;
  std::lock_guard lock(mutex_);
  cache_.clear();
}

void BrokerEndpoints::get(const net::any_io_executor& ex, std::function<void(std::expected<Endpoints, std::string>)> done) {
  Endpoints known;
  {
    std::lock_guard lock(mutex_);
    known = cache_;
  }
  if (!known.empty()) {
    net::post(ex, [done = std::move(done), known = std::move(known)]() mutable { done(std::move(known)); });
    return;
  }
  // Several connections may look the name up at once right after start or forget(); each
  // answer is as good as another, the last one stays cached.
  auto resolver = std::make_shared<tcp::resolver>(ex);
  resolver->async_resolve(address_.host, std::to_string(address_.port),
      [this, resolver, done = std::move(done)](const boost::system::error_code& ec, tcp::resolver::results_type results) mutable {
        if (ec) {
          done(std::unexpected("cannot resolve broker " + address_.host + ": " + ec.message()));
          return;
        }
        Endpoints eps;
        for (const auto& r : results) eps.push_back(r.endpoint());
        {
          std::lock_guard lock(mutex_);
          cache_ = eps;
        }
        done(std::move(eps));
      });
}

}  // namespace exproto::host::mqtt
