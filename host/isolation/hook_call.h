// One hook of an isolated codec, run in its child: the event goes out on a leased channel, the
// child's host-API calls are executed here — on the hook's own thread, on the host session, so the
// session checks them exactly as an in-process codec's — until the child says the hook returned.
// The calls come one way: the child already gave the codec their ids (Session::api_call_from_child). A child that breaks the conversation (dies, overruns the hook deadline, writes
// garbage) is killed; the hook then fails and the session is closed through EMQX.
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace exproto::host {

class RunnerChild;
struct Metrics;

struct HookEnv {
  const exproto_host_api* api;  // the real table
  Metrics* metrics;
  std::chrono::milliseconds timeout;
  std::atomic<std::size_t>* lane_hooks = nullptr;  // IsolationHub::lane_hooks, counted by the lanes
};

// Whose calls the child makes during the hook.
struct HookTarget {
  exproto_type_session_host_ptr session = nullptr;        // the host Session
  const exproto_type_state_writer* writer = nullptr;      // on_session_export only
};

struct HookOutcome {
  exproto_type_status status = EXPROTO_STATUS_ERROR;
  uint64_t remote_session = 0;  // open/import: the child's session handle
};

// `request` is a whole frame (FrameWriter::finish()). `hook` names it in the kill reason.
HookOutcome run_in_child(RunnerChild& child, std::string_view request, const HookTarget& target, const HookEnv& env,
                         const char* hook);

namespace ipc {
class FrameReader;
}
// What came of one `call` frame of the child's (hook_call.cpp and the hook lanes share it).
enum class ServedCall {
  ok,
  reply,        // state_write: answer with `value`
  malformed,    // fields missing, trailing bytes, unknown function
  out_of_step,  // an id that is not the session's next one
  flooding,     // refused, with max_pending_calls refusals already waiting
};
// Runs the call in `r` (after its op) on the target's session, under the id the codec already got.
ServedCall serve_child_call(ipc::FrameReader& r, const HookTarget& target, uint64_t& value);

}  // namespace exproto::host
