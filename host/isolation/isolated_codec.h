// An isolated route's codec instance: the library runs in a codec-runner child that this object
// starts, watches and restarts. Its descriptor's hooks forward each call to the child
// (proxy_hooks), so a CodecInstance built on it looks to sessions exactly like an in-process one.
//
// When the child dies — a crash, an exit, SIGKILL from outside, or killed by the host for a hook
// past sessions.hook_timeout_ms — every session it served is closed through EMQX (devices
// reconnect), one line is logged, and a new child is started after a back-off that doubles per
// death of a short-lived child (isolation.restart_backoff_ms .. restart_backoff_max_ms). Until it
// serves, new sessions are refused (closed at once) rather than kept waiting.
#pragma once

#include <exproto/codec_abi.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "host/isolation/hook_call.h"
#include "host/isolation/runner_child.h"
#include "host/os/unique_fd.h"
#include "host/registry/hook_runner.h"

namespace exproto::host {

class CodecInstance;
class CodecLibrary;
class IsolationHub;

class IsolatedCodec final : public HookRunner {
 public:
  // Starts the child and creates the instance in it with `config_json`; errors as
  // CodecInstance::create's. `label` names the route in log lines ("tcp:7993").
  static std::expected<std::shared_ptr<IsolatedCodec>, std::string> start(
      const std::shared_ptr<const CodecLibrary>& library, const std::string& config_json, std::string label,
      IsolationHub& hub);
  ~IsolatedCodec() override;  // stops supervising, then lets the child destroy its instance and exit

  const exproto_codec_descriptor& hooks() const override { return descriptor_; }
  exproto_type_codec_codec_ptr handle() const override { return const_cast<IsolatedCodec*>(this); }
  RunnerFaults faults() const override;
  bool start_hooks(exproto_type_session_codec_ptr state, std::span<const QueuedHook> hooks,
                   std::shared_ptr<HookWaiter> waiter) const override;

  // The instance built on this runner: its sessions are the ones closed when the child dies.
  void bind(const CodecInstance* instance) { instance_.store(instance); }

  // The child serving new sessions now; nullptr while it is being restarted.
  std::shared_ptr<RunnerChild> serving() const;
  const HookEnv& hook_env() const { return env_; }
  pid_t pid() const;  // of the serving child, 0 while restarting

  struct Key {
   private:
    friend class IsolatedCodec;
    Key() = default;
  };
  IsolatedCodec(Key, IsolationHub& hub, std::string name, std::string label, RunnerChild::Options options);

 private:
  void supervise(std::stop_token stop);
  // The child died: say why, close its sessions, schedule the restart.
  void on_death(const std::shared_ptr<RunnerChild>& child);
  // Sleeps until `until` or a stop request; false when stopping.
  bool sleep_until(std::chrono::steady_clock::time_point until, const std::stop_token& stop);

  IsolationHub& hub_;
  const std::string name_;   // codec name
  const std::string label_;  // route, for log lines
  const RunnerChild::Options options_;
  exproto_codec_descriptor descriptor_{};
  HookEnv env_;
  std::atomic<const CodecInstance*> instance_{nullptr};
  UniqueFd wake_;  // eventfd: makes the supervisor look at its stop token

  mutable std::mutex mu_;
  std::shared_ptr<RunnerChild> child_;  // nullptr while restarting
  std::chrono::steady_clock::time_point child_started_;
  uint32_t quick_deaths_ = 0;  // consecutive deaths of children that lived less than kStableAfter
  std::deque<std::chrono::steady_clock::time_point> deaths_;
  std::string last_reason_;

  std::jthread supervisor_;  // last: runs on everything above
};

}  // namespace exproto::host
