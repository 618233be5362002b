// One codec-runner child process as the host sees it: started with its codec instance created,
// a pool of hook channels (one per hook running at the same time), and its death — noticed by
// whoever sees it first, described once by the supervisor that reaps it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "host/isolation/hook_lane.h"
#include "host/isolation/ipc_channel.h"

namespace exproto::host {

class RunnerChild {
 public:
  struct Options {
    std::filesystem::path exe;      // the runner executable
    std::vector<std::string> args;  // after argv[0]: "codec-runner", its options
    std::size_t channels = 1;       // leased, one hook at a time (run_in_child)
    std::size_t lanes = 0;          // hook lanes (hook_lane.h), after the channels
    std::chrono::milliseconds hook_timeout{5000};  // sessions.hook_timeout_ms, timed on the lanes
    std::string config_json;        // handed to on_codec_create in the child
    std::chrono::milliseconds startup_timeout{10000};  // spawn + load + create
  };
  // Spawns the child and waits until its codec instance exists. Errors: "cannot start …",
  // "codec 'x' failed to create (status 1): <reason>", "the child killed by signal 11 (SIGSEGV)
  // before its codec was created".
  static std::expected<std::shared_ptr<RunnerChild>, std::string> start(const Options& options,
                                                                       const std::string& codec_name);
  // A live child is asked to destroy its instance and exit (SIGKILL after a grace period).
  ~RunnerChild();
  RunnerChild(const RunnerChild&) = delete;
  RunnerChild& operator=(const RunnerChild&) = delete;

  pid_t pid() const { return pid_; }
  int control_fd() const { return control_.in_fd(); }  // readable (EOF) when the child is gone

  // A hook channel for one conversation, given back on destruction.
  class Lease {
   public:
    Lease() = default;
    Lease(RunnerChild* owner, ipc::Channel* channel) : owner_(owner), channel_(channel) {}
    Lease(Lease&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), channel_(std::exchange(o.channel_, nullptr)) {}
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() {
      if (owner_ != nullptr) owner_->give_back(channel_);
    }
    explicit operator bool() const { return channel_ != nullptr; }
    ipc::Channel& channel() const { return *channel_; }

   private:
    RunnerChild* owner_ = nullptr;
    ipc::Channel* channel_ = nullptr;
  };
  // A free channel; empty when the child is dead or none came free before `deadline`.
  Lease lease(std::chrono::steady_clock::time_point deadline);

  // The lane the next hooks go on (hook_lane.h): the least busy, and of those the one whose CPU
  // the calling thread runs on. nullptr when the child is dead or has no lane.
  HookLane* pick_lane() const;

  enum class Cause { none, timeout, protocol };
  // Marks the child dead and SIGKILLs it (any thread; harmless when it is already gone). The first
  // call with a reason names why the host killed it.
  void kill(Cause cause, const std::string& reason);
  bool dead() const { return dead_.load(std::memory_order_acquire); }
  Cause cause() const;
  std::string kill_reason() const;

  // Waits for the process to end (SIGKILL after `grace`) and says how it ended; once, by the
  // supervisor. Later calls return the same text.
  std::string reap(std::chrono::milliseconds grace);

  struct Key {
   private:
    friend class RunnerChild;
    Key() = default;
  };
  RunnerChild(Key, pid_t pid, ipc::Channel control, std::vector<std::unique_ptr<ipc::Channel>> channels);

 private:
  void give_back(ipc::Channel* channel);
  void start_lanes(const std::shared_ptr<RunnerChild>& self, std::vector<std::unique_ptr<ipc::Channel>> lanes,
                   std::chrono::milliseconds hook_timeout);

  const pid_t pid_;
  ipc::Channel control_;
  std::vector<std::unique_ptr<ipc::Channel>> channels_;
  std::vector<std::unique_ptr<HookLane>> lanes_;  // set once at start; their readers stop with this
  std::atomic<bool> dead_{false};

  mutable std::mutex mu_;
  std::condition_variable free_cv_;
  std::vector<ipc::Channel*> free_;
  Cause cause_ = Cause::none;
  std::string kill_reason_;
  bool reaped_ = false;     // pid_ may belong to another process now: never signal it again
  std::string ended_how_;
};

}  // namespace exproto::host
