#include "host/reload/control_thread.h"

#include <spdlog/spdlog.h>

namespace exproto::host {

ControlThread::ControlThread(std::chrono::milliseconds period, std::function<void()> tick)
    : period_(period), tick_(std::move(tick)), thread_([this](std::stop_token st) { run(st); }) {}

ControlThread::~ControlThread() {
  thread_.request_stop();
  cv_.notify_all();
  thread_.join();
}

void ControlThread::post(std::function<void()> job) {
  {
    std::lock_guard lk(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_all();
}

void ControlThread::run(std::stop_token st) {
  auto next_tick = std::chrono::steady_clock::now() + period_;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lk(mu_);
      cv_.wait_until(lk, st, next_tick, [&] { return !jobs_.empty(); });
      if (jobs_.empty() && st.stop_requested()) return;
      if (!jobs_.empty()) {
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
    }
    try {
      if (job) job();
      if (!job || std::chrono::steady_clock::now() >= next_tick) {
        if (tick_) tick_();
        next_tick = std::chrono::steady_clock::now() + period_;
      }
    } catch (const std::exception& e) {
      // A control job must never take the host down; its own error handling already logged.
      spdlog::error("control thread: job failed: {}", e.what());
    }
  }
}

}  // namespace exproto::host
