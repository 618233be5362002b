// The host's control thread: codec loads, generation swaps, unloads and drain deadlines all run
// here, one at a time, so the registry never sees two of them at once (codec_abi.h promises
// on_codec_create/destroy run on the control thread). A periodic tick drives the housekeeping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

namespace exproto::host {

class ControlThread {
 public:
  // `tick` runs every `period` (and after every job), on the control thread.
  ControlThread(std::chrono::milliseconds period, std::function<void()> tick);
  ~ControlThread();  // runs the jobs already queued, then stops
  ControlThread(const ControlThread&) = delete;
  ControlThread& operator=(const ControlThread&) = delete;

  void post(std::function<void()> job);

  // Runs `fn` on the control thread and returns its result (the caller waits).
  template <class F>
  auto call(F&& fn) -> decltype(fn()) {
    using R = decltype(fn());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(fn));
    auto result = task->get_future();
    post([task] { (*task)(); });
    return result.get();
  }

  bool on_control_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void run(std::stop_token st);

  const std::chrono::milliseconds period_;
  std::function<void()> tick_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::function<void()>> jobs_;
  std::jthread thread_;  // last: starts after the members above exist
};

}  // namespace exproto::host
