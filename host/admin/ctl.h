// `exproto-host ctl`: the command-line client of the admin service.
#pragma once

#include <string>
#include <vector>

namespace exproto::host {

// Where `exproto-host ctl` looks when --admin is not given: the socket the shipped configs and the
// README's production setup use for admin.socket.
inline constexpr const char* kDefaultAdminSocket = "/run/exproto-host/admin.sock";

// The gRPC target for an --admin value: a path ("/run/x.sock", "./x.sock") or "unix:PATH" is the
// Unix socket, anything else host:port over TCP.
std::string admin_target(const std::string& address);

// Runs `command` ("status", "metrics", "reload <codec>", "rollback <codec>") against the admin
// endpoint `address` (see admin_target); prints the answer on stdout, problems on stderr. Returns the exit code:
// 0 done, 1 refused (e.g. a failed reload), 2 usage, 3 endpoint unreachable. `json`: status is
// printed as the StatusReply in protobuf's JSON mapping (field names as in admin.proto).
int run_ctl(const std::string& address, const std::vector<std::string>& command, bool json = false);

}  // namespace exproto::host
