// What runs a codec instance's hooks when they are not calls into this process's own load of the
// library: an isolated route's child process (host/isolation). A CodecInstance holding a runner
// hands out the runner's descriptor, whose hooks forward each call, so sessions cannot tell.
#pragma once

#include <exproto/codec_abi.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace exproto::host {

// Deaths of the runner's children (crashes and hook timeouts), for the reloader's automatic
// rollback of a generation that keeps failing right after a reload.
struct RunnerFaults {
  std::vector<std::chrono::steady_clock::time_point> deaths;  // oldest first, bounded
  std::string last_reason;                                     // e.g. "killed by signal 11 (SIGSEGV)"
};

// One hook of several a session hands over at once (its queued events): bytes, messages, result.
struct QueuedHook {
  enum class Kind { bytes, messages, result };
  Kind kind = Kind::bytes;
  exproto_type_bytes data{};                          // bytes
  const exproto_type_message* messages = nullptr;     // messages
  std::size_t count = 0;                              // messages
  const exproto_type_call_result* result = nullptr;  // result
};

// The status of a queued hook that was not run because one before it did not return OK.
inline constexpr exproto_type_status kHookNotRun = -1;

// Who waits for hooks started with HookRunner::start_hooks: the runner tells it, on its own
// thread, when the codec's host calls are run and when the hooks are over.
class HookWaiter {
 public:
  virtual ~HookWaiter() = default;
  // The current thread runs the codec's host calls of those hooks from now on (`on`), or no more.
  virtual void calls_on_this_thread(bool on) = 0;
  // Every hook ended, or did not run: statuses as start_hooks describes them. Exactly once.
  virtual void hooks_done(std::span<const exproto_type_status> statuses) = 0;
};

class HookRunner {
 public:
  virtual ~HookRunner() = default;
  // A descriptor with the library's name, version and optional hooks, whose hook pointers forward.
  virtual const exproto_codec_descriptor& hooks() const = 0;
  // The instance handle those hooks expect as their codec argument.
  virtual exproto_type_codec_codec_ptr handle() const = 0;
  virtual RunnerFaults faults() const = 0;
  // Runs `hooks` of one session in order, as the session would one by one, in one exchange with
  // the runner (one round trip to a child instead of one per hook), without holding the calling
  // thread: they are sent to the runner, and `waiter` hears of their calls and their end on the
  // runner's thread, possibly before this returns. The runner stops after the first hook that does not return OK: its status is that,
  // kHookNotRun for those after it; host calls the codec makes in them are run on the session in
  // order. False when they cannot start (the child is gone): nothing was sent, and the caller
  // fails the first hook.
  virtual bool start_hooks(exproto_type_session_codec_ptr state, std::span<const QueuedHook> hooks,
                           std::shared_ptr<HookWaiter> waiter) const = 0;
};

}  // namespace exproto::host
