// A hook lane: a channel to a codec-runner child on which the host sends the hooks of any session
// without waiting for them (the events whose hook is all there is to them: bytes, messages,
// results). The thread that sends returns at once; one reader thread per lane runs the child's
// calls on each session and hands the session its statuses (HookWaiter). The child answers a
// lane's hooks in the order they were sent (one thread serves it), so the lane knows whose frames
// come next without tags: those of the oldest hooks not answered yet.
//
// Why: a hook that holds a host thread while the child runs costs a hand-off to the pool, a sleep
// and a wake-up per hook; on a lane the transport's thread writes the event and goes back to
// EMQX, and under load one read of the reader (and one write of the child) serves many sessions.
//
// A hook sent while the lane is idle is written at once (it wakes the child); one sent while the
// child still has hooks of the lane waits in the lane's buffer, and the reader, which wakes for
// their answers anyway, writes all that came meanwhile in one write. Writes never block (a stuck
// child must not hold the thread that sends) and happen outside the lane's lock, one writer at a
// time: what does not fit in the pipe stays in the buffer, written by the reader when the pipe has
// room. The child is killed when the oldest hook has waited past sessions.hook_timeout_ms
// (counted from when the one before it on the lane ended), when it writes garbage, or when its
// end closes; every hook still waiting on the lane then fails (the first), or is not run (the
// rest).
#pragma once

#include <exproto/codec_abi.h>

#include <chrono>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "host/isolation/hook_call.h"
#include "host/isolation/ipc_channel.h"
#include "host/registry/hook_runner.h"

namespace exproto::host {

class RunnerChild;

// The hooks of one session sent in one frame.
struct LaneHooks {
  HookTarget target;                  // the host session their calls act on
  const HookEnv* env = nullptr;       // the route's (timeout, metrics, host API)
  std::vector<const char*> names;     // hook names, in order, for kill reasons
  std::shared_ptr<HookWaiter> waiter;
};

class HookLane {
 public:
  // `child` is killed (with the reason) when the conversation breaks; held weakly, since the lane
  // is the child's. `tick`: how often an idle reader looks at the clock (a hook sent to an idle
  // lane is timed from then on).
  // `home_cpu`: where the reader runs (and, as every frame on the lane says, the child's thread of
  // it); ipc::kAnyCpu for anywhere.
  HookLane(std::weak_ptr<RunnerChild> child, std::unique_ptr<ipc::Channel> channel, std::chrono::milliseconds tick,
           uint32_t home_cpu);
  // Stops the reader. Run on the reader itself (its last hook let go of the child), the thread
  // finishes on its own.
  ~HookLane();
  HookLane(const HookLane&) = delete;
  HookLane& operator=(const HookLane&) = delete;

  // Sends `frame` (FrameWriter::finish() of an Op::queued frame) and waits for its hooks on the
  // reader. False when the lane is closed: nothing was sent and the waiter will not hear of it.
  bool submit(std::string_view frame, LaneHooks hooks);
  // Hooks sent and not answered yet (picking the least busy lane).
  std::size_t waiting() const;
  uint32_t home_cpu() const { return home_cpu_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
  const uint32_t home_cpu_;
  std::thread reader_;
};

}  // namespace exproto::host
