#include "temp_dir.h"

#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

namespace exproto::bench {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "exproto-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // best effort: a leftover temp dir is not worth failing the report
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace exproto::bench
