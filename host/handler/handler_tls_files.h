// The checks of the handler.tls files as one set, shared by the credentials built at start-up and
// the monitor that re-runs them while the host serves, so both report a bad file the same way.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "host/config/config.h"

namespace exproto::host {

// "" when the set is usable; otherwise one problem prefixed by its key, e.g.
// "handler.tls.key_file: the private key does not belong to ...". Reads the files itself.
std::string check_handler_tls_files(const HandlerTls& tls);

// notAfter of the first certificate in `pem`; nullopt when there is none that parses.
std::optional<std::chrono::system_clock::time_point> first_certificate_not_after(std::string_view pem);

}  // namespace exproto::host
