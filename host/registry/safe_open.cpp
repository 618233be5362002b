#include "host/registry/safe_open.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

#include "host/os/file_kind.h"
#include "host/registry/file_trust.h"

namespace exproto::host {
namespace {

std::unexpected<OpenError> refuse(std::string message) { return std::unexpected(OpenError{std::move(message)}); }

}  // namespace

std::expected<OpenedFile, OpenError> open_trusted(const std::filesystem::path& file, uint64_t max_bytes,
                                                  bool owner_and_mode) {
  OpenedFile out;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  out.fd.reset(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!out.fd) {
    const int err = errno;
    if (err == ELOOP) return refuse(file.string() + " is a symbolic link (codecs load only from regular files)");
    return std::unexpected(OpenError{"cannot read " + file.string() + ": " + std::strerror(err), err == ENOENT});
  }
  if (::fstat(out.fd.get(), &out.st) != 0) return refuse("cannot read " + file.string() + ": " + std::strerror(errno));
  if (!S_ISREG(out.st.st_mode)) return refuse(file.string() + " is not a regular file (" + file_kind(out.st.st_mode) + ")");
  if (static_cast<uint64_t>(out.st.st_size) > max_bytes) {
    return refuse(file.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  if (owner_and_mode) {
    if (auto ok = check_owner_and_mode(out.st, file.string()); !ok) {
      return refuse("refused by plugins.trust \"strict\": " + ok.error());
    }
    // Whoever can write the folder can rename another file over this name.
    const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    struct stat dst {};
    if (::stat(dir.c_str(), &dst) != 0) return refuse("cannot read " + dir.string() + ": " + std::strerror(errno));
    if (auto ok = check_owner_and_mode(dst, "its folder " + dir.string()); !ok) {
      return refuse("refused by plugins.trust \"strict\": " + ok.error());
    }
  }
  return out;
}

}  // namespace exproto::host
