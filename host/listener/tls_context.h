// The server-side TLS context of one native-mode listener (routes[].listener.tls): certificate
// chain and key, and with client_ca_file a required, verified client certificate. One SSL_CTX
// per listener, shared by its connections; OpenSSL releases its per-connection buffers while a
// connection is idle (SSL_MODE_RELEASE_BUFFERS).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <expected>
#include <memory>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

// Errors name the key: "routes[1].listener.tls.key_file: ...". `key` is "routes[1].listener.tls".
std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_listener_tls_context(
    const HandlerTls& tls, const std::string& key);

}  // namespace exproto::host
