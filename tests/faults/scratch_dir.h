// A private temporary folder for one test's configs and process logs. Removed when the test
// ends unless EXPROTO_KEEP_FAULT_LOGS is set in the environment (then its path is printed), so
// the logs of a failing run can be read.
#pragma once

#include <filesystem>

namespace faults {

class ScratchDir {
 public:
  ScratchDir();  // /tmp/exproto-faults-XXXXXX; throws std::runtime_error if it cannot be made
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace faults
