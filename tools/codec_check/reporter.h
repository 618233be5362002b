// The tool's output: one "label  text" line per finding, "FAIL <what>: <why>" for each problem.
// Every line is flushed at once: the lifecycle runs in a forked child that may crash, and what it
// printed before must survive, in order with the parent's lines.
#pragma once

#include <string_view>

namespace codec_check {

class Reporter {
 public:
  void line(std::string_view label, std::string_view text);
  void fail(std::string_view what, std::string_view why);
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

}  // namespace codec_check
