// Opens a file from the plugins folder (a codec, its signature) the way the loader trusts it:
// without following a symbolic link, without blocking on a FIFO, regular files only, a size cap,
// and with `plugins.trust = "strict"` the owner-and-mode rule on the file and its folder. Every
// later read goes through the returned descriptor, so what was checked is what is read.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "host/os/unique_fd.h"

namespace exproto::host {

struct OpenedFile {
  UniqueFd fd;
  struct stat st {};
};

// Errors: "cannot read <file>: <why>", "<file> is a symbolic link (codecs load only from regular
// files)", "<file> is not a regular file (a FIFO)", "<file> is larger than <max> bytes",
// "refused by plugins.trust \"strict\": <rule>". ENOENT is reported as "cannot read <file>: No
// such file or directory" so callers can tell "absent" by `absent`.
struct OpenError {
  std::string message;
  bool absent = false;
};
std::expected<OpenedFile, OpenError> open_trusted(const std::filesystem::path& file, uint64_t max_bytes,
                                                  bool owner_and_mode);

}  // namespace exproto::host
