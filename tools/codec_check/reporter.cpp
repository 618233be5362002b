#include "reporter.h"

#include <cstdio>

namespace codec_check {

void Reporter::line(std::string_view label, std::string_view text) {
  std::printf("%-12.*s %.*s\n", static_cast<int>(label.size()), label.data(), static_cast<int>(text.size()),
              text.data());
  std::fflush(stdout);
}

void Reporter::fail(std::string_view what, std::string_view why) {
  ++failures_;
  std::printf("FAIL %.*s: %.*s\n", static_cast<int>(what.size()), what.data(), static_cast<int>(why.size()),
              why.data());
  std::fflush(stdout);
}

}  // namespace codec_check
