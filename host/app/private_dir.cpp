#include "host/app/private_dir.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <system_error>
#include <utility>

namespace exproto::host {

std::expected<PrivateDir, std::string> PrivateDir::make(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!dir.empty()) {
    if (std::filesystem::create_directories(dir, ec)) {
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    }
    if (ec) return std::unexpected("plugins.work_dir: cannot create " + dir.string() + ": " + ec.message());
    // The host maps code from here: whoever else could write (or swap) it could run code as us.
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) return std::unexpected("plugins.work_dir: cannot read " + dir.string());
    if (!S_ISDIR(st.st_mode)) return std::unexpected("plugins.work_dir: " + dir.string() + " is not a directory (a symbolic link?)");
    if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
      return std::unexpected(fmt::format("plugins.work_dir: {} must be owned by uid {} with mode 0700 (is uid {}, mode {:04o})",
                                         dir.string(), ::geteuid(), st.st_uid, st.st_mode & 07777));
    }
    return PrivateDir(dir, false);
  }
  auto tmpl = (std::filesystem::temp_directory_path(ec) / "exproto-host-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) return std::unexpected("cannot create a private directory under " + tmpl);
  return PrivateDir(tmpl, true);
}

PrivateDir::~PrivateDir() {
  if (!owned_) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace exproto::host
