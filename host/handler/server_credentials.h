// The credentials of the handler port EMQX dials: plaintext h2c by default, TLS when handler.tls
// is configured (EMQX `handler.ssl_options.enable = true`).
#pragma once

#include <grpcpp/security/server_credentials.h>

#include <expected>
#include <memory>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

// TLS comes from gRPC's file-watching provider: the certificate, key and client CA are re-read
// every `refresh_s`, so replacing the files rotates them for new connections without a restart
// (established HTTP/2 connections keep the certificate they were opened with). A set client CA
// makes the server require and verify a client certificate (mutual TLS). The files are checked
// again here (a config built in code skipped load_config, and files can vanish in between);
// errors name the key: "handler.tls.key_file: ...".
std::expected<std::shared_ptr<grpc::ServerCredentials>, std::string> handler_server_credentials(
    const HandlerConfig& config);

}  // namespace exproto::host
