// The child side of an isolated codec (exproto-host codec-runner): the host API table the codec
// gets there. Session functions return at once: the child hands out the request and timer ids the
// host session will use next (lockstep), queues the call as a frame, and the frames of one hook go
// to the host together with its `done`. Logging of the instance stays in the child (its stderr is
// the host's).
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/isolation/ipc_channel.h"

namespace exproto::host::runner {

// The frames a hook thread's current hook has produced, on their way to the host.
class HookLink {
 public:
  explicit HookLink(ipc::Channel& channel) : channel_(channel) {}
  // Where the next frame is appended (ipc::FrameWriter(op, out())); call queued() after it.
  std::string& out() { return out_; }
  // A frame was appended: past a bound it goes now (the host reads and runs calls as they come),
  // so a hook that makes many calls does not hold them all.
  void queued();
  // Sends everything queued (at the end of a hook: its calls, logs and `done` in one write). The
  // child exits when the host is gone: nothing could be delivered any more.
  void flush();
  // Sends the frame just appended and waits for the host's `reply` (state_write only).
  uint64_t call_and_wait();

 private:
  ipc::Channel& channel_;
  std::string out_;
};

// One host session in the child. Its address is the handle the host keeps (the `remote` of the
// host's ProxySession) and the session handle the codec gets.
struct RunnerSession {
  exproto_type_session_codec_ptr state = nullptr;  // the codec's
  HookLink* link = nullptr;                        // of the hook running now
  std::atomic<std::thread::id> hook_thread{};      // host calls only from inside that hook
  bool exporting = false;                          // the state writer is valid

  // The host session's counters as of the hook's start (each hook frame carries them), advanced
  // here as the codec calls: the ids the host will use for those calls.
  uint64_t next_request_id = 1;
  uint64_t next_timer_id = 1;
  uint32_t max_timers = 0;
  std::vector<uint64_t> timers;  // running, as the host counts them
};

// The instance's log handle: remembers the last WARN/ERROR while creating, the reason shown when
// creation fails (as the in-process CodecInstance does).
class RunnerCodec {
 public:
  explicit RunnerCodec(std::string name) : name_(std::move(name)) {}
  void log(int32_t level, std::string_view msg);
  std::string end_creation();  // the reason, if any

 private:
  const std::string name_;
  std::mutex mu_;
  bool creating_ = true;
  std::string last_problem_;
};

const exproto_host_api* runner_host_api();

// The state writer an export hook gets: chunks go to the host as `state_write` calls.
exproto_type_state_writer state_writer(RunnerSession& session);

}  // namespace exproto::host::runner
