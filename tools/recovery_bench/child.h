// A child process started from an argument list, its output appended to a file; killed (SIGKILL)
// when the object goes.
#pragma once

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace exproto::recovery {

class Child {
 public:
  static std::expected<Child, std::string> spawn(const std::vector<std::string>& argv,
                                                 const std::filesystem::path& log_file);
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  void kill9();  // and reap

 private:
  explicit Child(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

}  // namespace exproto::recovery
