// A private temporary directory removed with everything in it when the object dies.
#pragma once

#include <filesystem>

namespace exproto::bench {

class TempDir {
 public:
  TempDir();  // under $TMPDIR or /tmp, named exproto-bench-XXXXXX
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace exproto::bench
