#include "host/adapter/channel_credentials.h"

#include "host/config/pem_files.h"

namespace exproto::host {

std::expected<std::shared_ptr<grpc::ChannelCredentials>, std::string> adapter_channel_credentials(
    const AdapterConfig& config) {
  if (!config.tls) return grpc::InsecureChannelCredentials();
  const AdapterTls& tls = *config.tls;
  grpc::SslCredentialsOptions options;
  // The config check read these too; a file removed since then still fails here, by name.
  auto ca = read_text_file(tls.ca_file);
  if (!ca) return std::unexpected("adapter.tls.ca_file: " + ca.error());
  options.pem_root_certs = std::move(*ca);
  if (!tls.cert_file.empty()) {
    auto cert = read_text_file(tls.cert_file);
    if (!cert) return std::unexpected("adapter.tls.cert_file: " + cert.error());
    auto key = read_text_file(tls.key_file);
    if (!key) return std::unexpected("adapter.tls.key_file: " + key.error());
    options.pem_cert_chain = std::move(*cert);
    options.pem_private_key = std::move(*key);
  }
  return grpc::SslCredentials(options);
}

void apply_server_name(const AdapterConfig& config, grpc::ChannelArguments& args) {
  if (config.tls && !config.tls->server_name.empty()) args.SetSslTargetNameOverride(config.tls->server_name);
}

}  // namespace exproto::host
