#include "host/listener/tls_context.h"

#include <openssl/ssl.h>

#include "host/handler/handler_tls_files.h"

namespace exproto::host {

namespace {
// Session resumption with client certificates needs a session id context; any fixed value.
constexpr unsigned char kSessionIdContext[] = "exproto-host-device";
}  // namespace

std::expected<std::shared_ptr<boost::asio::ssl::context>, std::string> make_listener_tls_context(
    const HandlerTls& tls, const std::string& key) {
  // The same checks as the handler port's files, with their precise messages; only the key
  // prefix differs.
  if (std::string problem = check_handler_tls_files(tls); !problem.empty()) {
    constexpr std::string_view kHandlerPrefix = "handler.tls";
    if (problem.starts_with(kHandlerPrefix)) problem.replace(0, kHandlerPrefix.size(), key);
    return std::unexpected(problem);
  }
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(tls.cert_file.string(), ec);
  if (ec) return std::unexpected(key + ".cert_file: " + ec.message());
  ctx->use_private_key_file(tls.key_file.string(), ssl::context::pem, ec);
  if (ec) return std::unexpected(key + ".key_file: " + ec.message());
  if (!tls.client_ca_file.empty()) {
    ctx->load_verify_file(tls.client_ca_file.string(), ec);
    if (!ec) ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return std::unexpected(key + ".client_ca_file: " + ec.message());
    // Tell clients which CAs are accepted, so one with several certificates picks the right one.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(ctx->native_handle(), names);
    }
  } else {
    ctx->set_verify_mode(ssl::verify_none, ec);
  }
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

}  // namespace exproto::host
