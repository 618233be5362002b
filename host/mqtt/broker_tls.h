// TLS towards the broker: one client SSL_CTX shared by every MQTT connection (a context per
// connection would cost 100 000 copies of the CA store), and the per-connection part: SNI and
// the name the broker's certificate must carry.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "host/config/config.h"

namespace exproto::host::mqtt {

// CA file (verification on), optional client certificate chain + key. Errors name the file.
std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_broker_tls_context(const MqttTls& tls);

// Sends `name` as SNI (unless it is an IP address) and makes the handshake check that the
// broker's certificate is issued for it (DNS name, or IP address). Empty `name`: nothing is set.
// False when OpenSSL refuses the name.
bool set_broker_identity(SSL* ssl, const std::string& name);

}  // namespace exproto::host::mqtt
