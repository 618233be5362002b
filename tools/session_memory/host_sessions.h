// How many sessions a running exproto-host holds, through its admin endpoint (admin.bind).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace exproto::memory {

// The admin Status reply's session count; nullopt if the endpoint does not answer in 5 s.
std::optional<uint64_t> host_sessions(const std::string& admin_address);

}  // namespace exproto::memory
