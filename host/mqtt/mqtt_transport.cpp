#include "host/mqtt/mqtt_transport.h"

namespace exproto::host::mqtt {

MqttTransport::MqttTransport(const boost::asio::any_io_executor& ex, boost::asio::ssl::context* tls) : plain_(ex) {
  if (tls) {
    tls_ = std::make_unique<TlsStream>(ex, *tls);
    tls_buffer_ = std::make_unique<char[]>(kTlsReadBuffer);
  }
}

void MqttTransport::prepare(boost::system::error_code& ec) {
  socket().set_option(tcp::no_delay(true), ec);
  if (!ec && !tls_) plain_.non_blocking(true, ec);
}

void MqttTransport::close() {
  boost::system::error_code ignored;
  socket().shutdown(tcp::socket::shutdown_both, ignored);
  socket().close(ignored);
}

}  // namespace exproto::host::mqtt
