#include "host/mqtt/broker_tls.h"

#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace exproto::host::mqtt {

std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_broker_tls_context(const MqttTls& tls) {
  namespace ssl = boost::asio::ssl;
  std::shared_ptr<ssl::context> ctx;
  try {  // the context constructor throws on allocation failure only; this is start-up, not a hot path
    ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  } catch (const std::exception& e) {
    return std::unexpected(std::string("mqtt.tls: cannot create a TLS context: ") + e.what());
  }
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1, ec);
  ctx->load_verify_file(tls.ca_file.string(), ec);
  if (ec) return std::unexpected("mqtt.tls.ca_file: " + tls.ca_file.string() + ": " + ec.message());
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!tls.cert_file.empty()) {
    ctx->use_certificate_chain_file(tls.cert_file.string(), ec);
    if (ec) return std::unexpected("mqtt.tls.cert_file: " + tls.cert_file.string() + ": " + ec.message());
    ctx->use_private_key_file(tls.key_file.string(), ssl::context::pem, ec);
    if (ec) return std::unexpected("mqtt.tls.key_file: " + tls.key_file.string() + ": " + ec.message());
  }
  return ctx;
}

bool set_broker_identity(SSL* ssl, const std::string& name) {
  if (name.empty()) return true;
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  if (!ec) {
    // An IP address: no SNI (RFC 6066 forbids it), the certificate must list the address.
    return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) == 1;
  }
  return SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 && SSL_set1_host(ssl, name.c_str()) == 1;
}

}  // namespace exproto::host::mqtt
