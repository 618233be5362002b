#include "host/app/private_dir.h"

#include <stdlib.h>

#include <system_error>
#include <utility>

namespace exproto::host {

std::expected<PrivateDir, std::string> PrivateDir::make(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!dir.empty()) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::unexpected("plugins.work_dir: cannot create " + dir.string() + ": " + ec.message());
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
