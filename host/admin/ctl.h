// `exproto-host ctl`: the command-line client of the admin service.
#pragma once

#include <string>
#include <vector>

namespace exproto::host {

// Runs `command` ("status", "metrics", "reload <codec>", "rollback <codec>") against the admin
// endpoint `address`; prints the answer on stdout, problems on stderr. Returns the exit code:
// 0 done, 1 refused (e.g. a failed reload), 2 usage, 3 endpoint unreachable. `json`: status is
// printed as the StatusReply in protobuf's JSON mapping (field names as in admin.proto).
int run_ctl(const std::string& address, const std::vector<std::string>& command, bool json = false);

}  // namespace exproto::host
