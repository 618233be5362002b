// A private, process-owned directory (for codec copies), removed with its content on destruction.
#pragma once

#include <expected>
#include <filesystem>
#include <string>
#include <utility>

namespace exproto::host {

class PrivateDir {
 public:
  // Uses `dir` if given (created if missing, kept afterwards), else makes a fresh temp directory.
  static std::expected<PrivateDir, std::string> make(const std::filesystem::path& dir);
  PrivateDir(PrivateDir&& o) noexcept : path_(std::move(o.path_)), owned_(std::exchange(o.owned_, false)) {}
  PrivateDir& operator=(PrivateDir&&) = delete;
  PrivateDir(const PrivateDir&) = delete;
  ~PrivateDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  PrivateDir(std::filesystem::path p, bool owned) : path_(std::move(p)), owned_(owned) {}
  std::filesystem::path path_;
  bool owned_;
};

}  // namespace exproto::host
