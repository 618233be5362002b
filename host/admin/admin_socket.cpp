#include "host/admin/admin_socket.h"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host/os/unique_fd.h"

namespace exproto::host {
namespace {

std::string os_error(const std::filesystem::path& p, const char* what) {
  return p.string() + ": " + what + ": " + std::strerror(errno);
}

// True when a process accepts connections on the socket at `path`.
bool someone_listens(const std::filesystem::path& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

std::expected<gid_t, std::string> group_id(const std::string& name) {
  group g{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  const int rc = ::getgrnam_r(name.c_str(), &g, buf.data(), buf.size(), &found);
  if (rc != 0 || found == nullptr) return std::unexpected("socket_group: no group named \"" + name + "\"");
  return g.gr_gid;
}

}  // namespace

std::expected<std::unique_ptr<AdminSocket>, std::string> AdminSocket::prepare(const std::filesystem::path& path,
                                                                              const std::string& group) {
  gid_t gid = static_cast<gid_t>(-1);
  if (!group.empty()) {
    auto id = group_id(group);
    if (!id) return std::unexpected(id.error());
    gid = *id;
  }
  struct stat st{};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return std::unexpected(path.string() + ": exists and is not a socket");
    if (someone_listens(path)) return std::unexpected(path.string() + ": another process serves on this socket");
  } else if (errno != ENOENT) {
    return std::unexpected(os_error(path, "cannot check"));
  }
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  std::string dir_template = (parent / ".exproto-admin.XXXXXX").string();
  if (dir_template.size() + 2 >= sizeof(sockaddr_un{}.sun_path)) {
    return std::unexpected(path.string() + ": the directory's path is too long for a Unix socket");
  }
  if (::mkdtemp(dir_template.data()) == nullptr) {
    return std::unexpected(os_error(parent, "cannot make a private directory for the socket"));
  }
  return std::make_unique<AdminSocket>(Key{}, path, dir_template, gid, !group.empty());
}

std::string AdminSocket::grpc_address() const { return "unix:" + staged().string(); }

std::expected<void, std::string> AdminSocket::publish() {
  const std::filesystem::path s = staged();
  if (group_set_ && ::chown(s.c_str(), static_cast<uid_t>(-1), gid_) != 0) {
    return std::unexpected(os_error(path_, "cannot give the socket to socket_group"));
  }
  if (::chmod(s.c_str(), mode()) != 0) return std::unexpected(os_error(path_, "cannot set the socket's mode"));
  struct stat st{};
  if (::lstat(s.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
    return std::unexpected(path_.string() + ": gRPC did not create the socket");
  }
  // Atomic: a stale socket (checked in prepare) is replaced, never left half-removed.
  if (::rename(s.c_str(), path_.c_str()) != 0) return std::unexpected(os_error(path_, "cannot move the socket into place"));
  published_ = true;
  inode_ = st.st_ino;
  device_ = st.st_dev;
  ::rmdir(dir_.c_str());  // empty now; gRPC's own unlink of the staged name at shutdown finds nothing
  return {};
}

AdminSocket::~AdminSocket() {
  struct stat st{};
  if (published_ && ::lstat(path_.c_str(), &st) == 0 && st.st_ino == inode_ && st.st_dev == device_) {
    ::unlink(path_.c_str());
  }
  ::unlink(staged().c_str());  // not published (start-up failed)
  ::rmdir(dir_.c_str());
}

}  // namespace exproto::host
