// The owner-and-mode rule of `plugins.trust = "strict"`, applied to what fstat/stat says of a
// codec file (on the descriptor the loader reads, so the answer is about the bytes it copies)
// and of the folder it sits in.
#pragma once

#include <sys/stat.h>

#include <expected>
#include <string>

namespace exproto::host {

// Owned by root or by this process's effective user, and not writable by group or others.
// Error, naming `what` (e.g. the file's path): "<what> is owned by uid 1000 (only root or uid 0,
// the host's user, may own it)", "<what> is writable by group or others (mode 0664)".
std::expected<void, std::string> check_owner_and_mode(const struct stat& st, const std::string& what);

}  // namespace exproto::host
