// A private copy of a codec file, made before dlopen and removed once the library is mapped.
// Why: glibc's dlopen returns the already-loaded image for the same path or the same inode, and
// an in-place overwrite of a mapped file corrupts running code (plugin-abi-anchors §4.5–4.6).
// A fresh file per load gives a fresh image, and the plugins folder can change under it safely.
//
// The file is read exactly once, from one descriptor: copied, hashed and size-checked in the
// same pass (a reload's time is mostly this pass; hot-reload latency is a goal of the product).
// The descriptor is opened without following symbolic links and without blocking, and only a
// regular file is read, so a FIFO or a link to /dev/zero in the plugins folder is refused at once
// instead of blocking start-up or filling the disk.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>

#include "host/os/unique_fd.h"
#include "host/registry/load_policy.h"

namespace exproto::host {

class PrivateCopy {
 public:
  // Copies `file` into `work_dir` (created if missing) as "<stem>.<pid>.<unique>.so", hashing the
  // bytes as they are written. The file is opened by open_trusted() with `policy`'s size cap and
  // owner rule (its errors), and "cannot write a copy in <dir>: <why>".
  static std::expected<PrivateCopy, std::string> make(const std::filesystem::path& file,
                                                      const std::filesystem::path& work_dir,
                                                      const LoadPolicy& policy = {});
  ~PrivateCopy();  // removes the copy (a mapped library stays valid: the mapping keeps the inode)
  PrivateCopy(PrivateCopy&& other) noexcept;
  PrivateCopy& operator=(PrivateCopy&&) = delete;
  PrivateCopy(const PrivateCopy&) = delete;
  PrivateCopy& operator=(const PrivateCopy&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }  // of the copy, hex
  uint64_t size() const { return size_; }
  // The copy, open for reading: later checks read the few bytes they need from it (the page
  // cache still holds them) rather than reading the file again.
  int fd() const { return fd_.get(); }
  std::chrono::microseconds took() const { return took_; }  // the copy-and-hash pass

 private:
  explicit PrivateCopy(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
  std::string sha256_;
  uint64_t size_ = 0;
  UniqueFd fd_;
  std::chrono::microseconds took_{0};
};

}  // namespace exproto::host
