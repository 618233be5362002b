#include "scratch_dir.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace faults {

ScratchDir::ScratchDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "exproto-faults-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a scratch folder from " + pattern);
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  if (std::getenv("EXPROTO_KEEP_FAULT_LOGS")) {
    std::fprintf(stderr, "fault test files kept in %s\n", path_.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace faults
