#include "host/handler/server_credentials.h"

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <algorithm>

#include "host/handler/handler_tls_files.h"

namespace exproto::host {

std::expected<std::shared_ptr<grpc::ServerCredentials>, std::string> handler_server_credentials(
    const HandlerConfig& config) {
  if (!config.tls) return grpc::InsecureServerCredentials();
  const HandlerTls& tls = *config.tls;
  // gRPC's provider only logs unusable files and then fails every handshake; refuse them instead.
  if (std::string problem = check_handler_tls_files(tls); !problem.empty()) return std::unexpected(problem);
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
