// Whether this build can serve the configured mode. Native mode is parsed and validated, but its
// backend (device listeners, MQTT upstream) does not exist yet: starting must fail and say what
// is missing rather than run an exproto-mode host that no EMQX will ever call.
#pragma once

#include <string>

#include "host/config/config.h"

namespace exproto::host {

// Empty when `config.mode` is served; otherwise the reason the host refuses to start.
std::string unserved_mode(const Config& config);

}  // namespace exproto::host
