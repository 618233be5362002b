// What runs a codec instance's hooks when they are not calls into this process's own load of the
// library: an isolated route's child process (host/isolation). A CodecInstance holding a runner
// hands out the runner's descriptor, whose hooks forward each call, so sessions cannot tell.
#pragma once

#include <exproto/codec_abi.h>

#include <chrono>
#include <string>
#include <vector>

namespace exproto::host {

// Deaths of the runner's children (crashes and hook timeouts), for the reloader's automatic
// rollback of a generation that keeps failing right after a reload.
struct RunnerFaults {
  std::vector<std::chrono::steady_clock::time_point> deaths;  // oldest first, bounded
  std::string last_reason;                                     // e.g. "killed by signal 11 (SIGSEGV)"
};

class HookRunner {
 public:
  virtual ~HookRunner() = default;
  // A descriptor with the library's name, version and optional hooks, whose hook pointers forward.
  virtual const exproto_codec_descriptor& hooks() const = 0;
  // The instance handle those hooks expect as their codec argument.
  virtual exproto_type_codec_codec_ptr handle() const = 0;
  virtual RunnerFaults faults() const = 0;
};

}  // namespace exproto::host
