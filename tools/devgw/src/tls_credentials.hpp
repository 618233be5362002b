// gRPC credentials of the devgw's two sides, from Options::handler_tls / adapter_tls: plaintext
// when absent, as EMQX 5.x's defaults. Files are read once, at Gateway::start.
#pragma once

#include "devgw/options.hpp"

#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>

#include <expected>
#include <memory>
#include <string>

namespace exproto::devgw {

/// The channel to the handler. Errors name the option and the file.
std::expected<std::shared_ptr<grpc::ChannelCredentials>, std::string> handler_channel_credentials(
    const Options& options);

/// The ConnectionAdapter server.
std::expected<std::shared_ptr<grpc::ServerCredentials>, std::string> adapter_server_credentials(
    const Options& options);

}  // namespace exproto::devgw
