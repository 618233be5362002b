#include "fake_broker.h"

#include <boost/asio/write.hpp>

namespace mqtt_test {

namespace net = boost::asio;
using tcp = net::ip::tcp;

FakeBroker::FakeBroker(net::io_context& io, Mode mode, uint8_t disconnect_reason)
    : mode_(mode), disconnect_reason_(disconnect_reason), acceptor_(io, tcp::endpoint(net::ip::address_v4::loopback(), 0)) {
  accept();
}

void FakeBroker::accept() {
  auto s = std::make_shared<tcp::socket>(acceptor_.get_executor());
  acceptor_.async_accept(*s, [this, s](const boost::system::error_code& ec) {
    if (ec) return;
    sockets_.push_back(s);
    read(s);
    accept();
  });
}

void FakeBroker::read(std::shared_ptr<tcp::socket> s) {
  s->async_read_some(net::buffer(buffer_), [this, s](const boost::system::error_code& ec, std::size_t n) {
    if (ec) return;
    if (mode_ == Mode::connack_then_disconnect && connacked_) {
      auto bye = std::make_shared<std::string>(std::string("\xE0\x01", 2) + static_cast<char>(disconnect_reason_));
      net::async_write(*s, net::buffer(*bye), [s, bye](const boost::system::error_code&, std::size_t) {
        boost::system::error_code ignored;
        s->close(ignored);
      });
      return;
    }
    if (mode_ == Mode::connack_then_refuse && connacked_ && n >= 5) {
      // SUBSCRIBE 0x82 / UNSUBSCRIBE 0xA2, short enough for a one-byte length: id at bytes 2-3.
      const auto first = static_cast<uint8_t>(buffer_[0]);
      if (first == 0x82 || first == 0xA2) {
        auto ack = std::make_shared<std::string>(std::string(1, first == 0x82 ? '\x90' : '\xB0') + "\x04" +
                                                 buffer_[2] + buffer_[3] + '\0' + static_cast<char>(disconnect_reason_));
        net::async_write(*s, net::buffer(*ack), [ack](const boost::system::error_code&, std::size_t) {});
      }
    }
    if (mode_ != Mode::silent && !connacked_) {
      connacked_ = true;  // assumes the CONNECT arrives in one read, as it does on loopback
      static const std::string connack("\x20\x03\x00\x00\x00", 5);  // MQTT 5, success, no properties
      net::async_write(*s, net::buffer(connack), [](const boost::system::error_code&, std::size_t) {});
    } else if (connacked_) {
      received_.append(buffer_.data(), n);
    }
    read(s);
  });
}

}  // namespace mqtt_test
