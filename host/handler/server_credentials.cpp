#include "host/handler/server_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>

#include "host/config/pem_files.h"

namespace exproto::host {
namespace {

// gRPC's provider only logs unusable files and then fails every handshake; refuse them instead.
std::string check_files(const HandlerTls& tls) {
  auto cert = read_text_file(tls.cert_file);
  if (!cert) return "handler.tls.cert_file: " + cert.error();
  auto key = read_text_file(tls.key_file);
  if (!key) return "handler.tls.key_file: " + key.error();
  if (auto p = check_pem_certificates(*cert, true); !p.empty()) return "handler.tls.cert_file: " + p;
  if (auto p = check_pem_private_key(*key); !p.empty()) return "handler.tls.key_file: " + p;
  if (auto p = check_key_matches_certificate(*cert, *key); !p.empty()) return "handler.tls.key_file: " + p;
  if (tls.client_ca_file.empty()) return {};
  auto ca = read_text_file(tls.client_ca_file);
  if (!ca) return "handler.tls.client_ca_file: " + ca.error();
  if (auto p = check_pem_certificates(*ca, false); !p.empty()) return "handler.tls.client_ca_file: " + p;
  return {};
}

}  // namespace

std::expected<std::shared_ptr<grpc::ServerCredentials>, std::string> handler_server_credentials(
    const HandlerConfig& config) {
  if (!config.tls) return grpc::InsecureServerCredentials();
  const HandlerTls& tls = *config.tls;
  if (std::string problem = check_files(tls); !problem.empty()) return std::unexpected(problem);
  const bool mutual = !tls.client_ca_file.empty();
  // The provider reads the files once here and then on its own thread every refresh_s; a later
  // bad read is logged by gRPC and the last good material stays in use.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file.string(), tls.cert_file.string(), mutual ? tls.client_ca_file.string() : std::string(),
      std::max<uint32_t>(1, tls.refresh_s));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (mutual) {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace exproto::host
