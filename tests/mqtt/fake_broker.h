// A scripted "broker" on loopback for what a real one will not do on demand: never answer
// CONNECT, or accept it and then never answer PINGREQ. Runs on the test's io_context.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

namespace mqtt_test {

class FakeBroker {
 public:
  // silent: accepts and never answers. connack_then_silent: CONNACK success, then nothing (no
  // PINGRESP). connack_then_disconnect: CONNACK success, then at the first packet from the client a
  // DISCONNECT with `disconnect_reason` (as an MQTT 5 broker does on takeover: 0x8E).
  // connack_then_refuse: CONNACK success, then every SUBSCRIBE/UNSUBSCRIBE answered with
  // `disconnect_reason` as its SUBACK/UNSUBACK code (MQTT 5).
  enum class Mode { silent, connack_then_silent, connack_then_disconnect, connack_then_refuse };
  FakeBroker(boost::asio::io_context& io, Mode mode, uint8_t disconnect_reason = 0x8E);
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }
  // Bytes received after the CONNECT (e.g. PINGREQs: 0xC0 0x00 each).
  const std::string& received() const { return received_; }

 private:
  void accept();
  void read(std::shared_ptr<boost::asio::ip::tcp::socket> s);
  Mode mode_;
  uint8_t disconnect_reason_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::shared_ptr<boost::asio::ip::tcp::socket>> sockets_;
  std::string received_;
  bool connacked_ = false;
  std::array<char, 1024> buffer_{};
};

}  // namespace mqtt_test
