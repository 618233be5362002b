// A private copy of a codec file, made before dlopen and removed once the library is mapped.
// Why: glibc's dlopen returns the already-loaded image for the same path or the same inode, and
// an in-place overwrite of a mapped file corrupts running code (plugin-abi-anchors §4.5–4.6).
// A fresh file per load gives a fresh image, and the plugins folder can change under it safely.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace exproto::host {

class PrivateCopy {
 public:
  // Copies `file` into `work_dir` (created if missing) as "<stem>.<pid>.<unique>.so", hashing the
  // bytes as they are written. Errors: "cannot read <file>: <why>", "cannot write a copy in <dir>: <why>".
  static std::expected<PrivateCopy, std::string> make(const std::filesystem::path& file,
                                                      const std::filesystem::path& work_dir);
  ~PrivateCopy();  // removes the copy (a mapped library stays valid: the mapping keeps the inode)
  PrivateCopy(PrivateCopy&& other) noexcept;
  PrivateCopy& operator=(PrivateCopy&&) = delete;
  PrivateCopy(const PrivateCopy&) = delete;
  PrivateCopy& operator=(const PrivateCopy&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }  // of the copy, hex

 private:
  PrivateCopy(std::filesystem::path path, std::string sha256) : path_(std::move(path)), sha256_(std::move(sha256)) {}
  std::filesystem::path path_;
  std::string sha256_;
};

}  // namespace exproto::host
