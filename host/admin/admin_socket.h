// The admin endpoint's Unix domain socket. Who may use it is decided by the file's permissions
// (connecting needs write access), so it must never exist, even briefly, with looser ones than
// configured: gRPC binds it inside a fresh private directory (mode 0700) beside the configured
// path, the mode and group are set there, and only then is it renamed onto the configured path.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

namespace exproto::host {

class AdminSocket {
  struct Key {};  // only prepare() builds one

 public:
  AdminSocket(Key, std::filesystem::path path, std::filesystem::path dir, gid_t gid, bool group_set)
      : path_(std::move(path)), dir_(std::move(dir)), gid_(gid), group_set_(group_set) {}
  // Checks that `path` is free or a stale socket no process listens on (another host's live
  // socket is never taken over), resolves `group` (empty = owner only), and makes the private
  // directory. Errors name the problem, e.g. "/run/x/admin.sock: exists and is not a socket".
  static std::expected<std::unique_ptr<AdminSocket>, std::string> prepare(const std::filesystem::path& path,
                                                                           const std::string& group);
  ~AdminSocket();  // removes the socket when it is still ours, and the private directory
  AdminSocket(const AdminSocket&) = delete;
  AdminSocket& operator=(const AdminSocket&) = delete;

  // Where gRPC should listen: "unix:<private directory>/s".
  std::string grpc_address() const;
  // Once gRPC listens: mode 0600 (0660 and the group when one is set), then the rename.
  std::expected<void, std::string> publish();

  const std::filesystem::path& path() const { return path_; }
  mode_t mode() const { return group_set_ ? 0660 : 0600; }

 private:
  std::filesystem::path staged() const { return dir_ / "s"; }

  const std::filesystem::path path_;
  const std::filesystem::path dir_;
  const gid_t gid_;
  const bool group_set_;
  bool published_ = false;
  ino_t inode_ = 0;  // of the published socket, so a later host's socket is never removed
  dev_t device_ = 0;
};

}  // namespace exproto::host
