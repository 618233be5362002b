// Runs the lifecycle in a forked child, so that a codec that crashes or hangs is reported by the
// parent instead of taking the tool down with it.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <string>

#include "crash_context.h"

namespace codec_check {

struct ChildOutcome {
  enum class Kind { exited, signalled, hung };
  Kind kind = Kind::exited;
  int exit_code = 0;  // Kind::exited
  int signal = 0;     // Kind::signalled
};

// Forks; the child runs `body` and _exits with its return value. The parent waits, and kills the
// child when `context.progress` has not moved for `hang_after` (a hook that never returns).
// Errors: "fork failed: <why>".
std::expected<ChildOutcome, std::string> run_in_child(const std::function<int()>& body, const CrashContext& context,
                                                      std::chrono::milliseconds hang_after);

}  // namespace codec_check
