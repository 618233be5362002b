// The credentials and channel arguments of the ConnectionAdapter client: plaintext by default
// (EMQX 5.x never serves the adapter over TLS), TLS when adapter.tls is configured (EMQX 4.x's
// https adapter port).
#pragma once

#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <expected>
#include <memory>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

// Reads the files named by adapter.tls once (a client certificate is presented per connection,
// and the adapter channels reconnect rarely; rotating them takes a restart). Errors name the key.
std::expected<std::shared_ptr<grpc::ChannelCredentials>, std::string> adapter_channel_credentials(
    const AdapterConfig& config);

// adapter.tls.server_name: the name EMQX's certificate is checked against, instead of the host
// of adapter.address (e.g. when dialing an IP that the certificate does not list).
void apply_server_name(const AdapterConfig& config, grpc::ChannelArguments& args);

}  // namespace exproto::host
