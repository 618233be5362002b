#include "host/registry/mapped_image.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace exproto::host {

std::expected<bool, std::string> is_mapped(const std::filesystem::path& file) {
  std::ifstream maps("/proc/self/maps");
  if (!maps) return std::unexpected(std::string("cannot read /proc/self/maps: ") + std::strerror(errno));
  const std::string wanted = file.string();
  std::string line;
  while (std::getline(maps, line)) {
    // "<range> <perms> <offset> <dev> <inode>   <path>[ (deleted)]": compare the path column only.
    const auto at = line.find('/');
    if (at == std::string::npos) continue;
    std::string_view path(line);
    path.remove_prefix(at);
    if (path.ends_with(" (deleted)")) path.remove_suffix(10);
    if (path == wanted) return true;
  }
  return false;
}

}  // namespace exproto::host
