#include "tls_credentials.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace exproto::devgw {
namespace {

std::expected<std::string, std::string> read_pem(std::string_view option, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(std::string(option) + ": cannot read '" + file.string() + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN ") == std::string::npos)
    return std::unexpected(std::string(option) + ": '" + file.string() + "' holds no PEM block");
  return text.str();
}

}  // namespace

std::expected<std::shared_ptr<grpc::ChannelCredentials>, std::string> handler_channel_credentials(
    const Options& options) {
  if (!options.handler_tls) return grpc::InsecureChannelCredentials();
  const auto& tls = *options.handler_tls;
  grpc::SslCredentialsOptions ssl;
  auto ca = read_pem("handler CA", tls.ca_file);
  if (!ca) return std::unexpected(ca.error());
  ssl.pem_root_certs = std::move(*ca);
  if (tls.cert_file.empty() != tls.key_file.empty())
    return std::unexpected("handler TLS: a client certificate needs both a cert file and a key file");
  if (!tls.cert_file.empty()) {
    auto cert = read_pem("handler client cert", tls.cert_file);
    if (!cert) return std::unexpected(cert.error());
    auto key = read_pem("handler client key", tls.key_file);
    if (!key) return std::unexpected(key.error());
    ssl.pem_cert_chain = std::move(*cert);
    ssl.pem_private_key = std::move(*key);
  }
  return grpc::SslCredentials(ssl);
}

std::expected<std::shared_ptr<grpc::ServerCredentials>, std::string> adapter_server_credentials(
    const Options& options) {
  if (!options.adapter_tls) return grpc::InsecureServerCredentials();
  const auto& tls = *options.adapter_tls;
  auto cert = read_pem("adapter cert", tls.cert_file);
  if (!cert) return std::unexpected(cert.error());
  auto key = read_pem("adapter key", tls.key_file);
  if (!key) return std::unexpected(key.error());
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  ssl.pem_key_cert_pairs.push_back({std::move(*key), std::move(*cert)});
  if (!tls.client_ca_file.empty()) {
    auto ca = read_pem("adapter client CA", tls.client_ca_file);
    if (!ca) return std::unexpected(ca.error());
    ssl.pem_root_certs = std::move(*ca);
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace exproto::devgw
