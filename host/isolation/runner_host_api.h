// The child side of an isolated codec (exproto-host codec-runner): the host API table the codec
// gets there. Session functions turn into `call` frames on the channel of the hook running now and
// wait for the host's reply; logging of the instance stays in the child (its stderr is the host's).
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include "host/isolation/ipc_channel.h"

namespace exproto::host::runner {

// One host session in the child. Its address is the handle the host keeps (the `remote` of the
// host's ProxySession) and the session handle the codec gets.
struct RunnerSession {
  exproto_type_session_codec_ptr state = nullptr;  // the codec's
  ipc::Channel* channel = nullptr;                 // the channel of the hook running now
  std::atomic<std::thread::id> hook_thread{};      // host calls only from inside that hook
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
