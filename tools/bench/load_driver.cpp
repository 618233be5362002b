#include "load_driver.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "cpu_usage.h"
#include "load_run.h"

namespace exproto::bench {
namespace {
using Clock = std::chrono::steady_clock;

Clock::duration to_clock(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

// Polls: phase changes are rare and a 2 ms granularity is far below the window length.
template <class Pred>
bool wait_for(Pred done, double seconds) {
  auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// Detaches on every exit path so the adapter never calls into a destroyed run.
class SinkAttachment {
 public:
  SinkAttachment(AdapterServer& adapter, AdapterSink& sink) : adapter_(adapter) { adapter_.attach(&sink); }
  ~SinkAttachment() { adapter_.attach(nullptr); }
  SinkAttachment(const SinkAttachment&) = delete;
  SinkAttachment& operator=(const SinkAttachment&) = delete;

 private:
  AdapterServer& adapter_;
};

// Open loop: frames fall due at start + k / rate; due() releases those whose time came.
class Pacer {
 public:
  Pacer(DeviceRun& run, double rate) : run_(run), rate_(rate) {}
  void start() { start_ = Clock::now(); }
  void due() {
    if (rate_ <= 0) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const auto target = static_cast<uint64_t>(elapsed * rate_);
    for (; released_ < target; ++released_) run_.schedule(start_ + to_clock(static_cast<double>(released_) / rate_));
  }
  // Sleeps until `until`, releasing frames as they fall due (1 ms granularity in open loop).
  void sleep_until(Clock::time_point until) {
    if (rate_ <= 0) {
      std::this_thread::sleep_until(until);
      return;
    }
    for (auto now = Clock::now(); now < until; now = Clock::now()) {
      due();
      std::this_thread::sleep_until(std::min(until, now + std::chrono::milliseconds(1)));
    }
    due();
  }

 private:
  DeviceRun& run_;
  const double rate_;
  Clock::time_point start_{};
  uint64_t released_ = 0;
};

double handler_cpu(pid_t pid) {
  if (pid <= 0) return -1;
  return process_tree_cpu_seconds(pid).value_or(-1);
}

}  // namespace

LoadResult measure_run(const LoadSettings& settings, DeviceRun& run, const std::function<AdapterCounts()>& adapter_counts) {
  LoadResult result;
  result.conns_requested = settings.conns;
  const auto counts = [&] { return adapter_counts ? adapter_counts() : AdapterCounts{}; };
  run.start_all();
  wait_for([&] { return run.settled() >= settings.conns; }, settings.connect_timeout_seconds);
  Pacer pacer(run, settings.rate);
  pacer.start();
  pacer.sleep_until(Clock::now() + to_clock(settings.warmup_seconds));

  auto t0 = Clock::now();
  uint64_t acks0 = run.acks();
  AdapterCounts calls0 = counts();
  double cpu0 = self_cpu_seconds();
  double handler0 = handler_cpu(settings.handler_pid);
  double broker0 = handler_cpu(settings.broker_pid);
  const auto switches0 = settings.handler_pid > 0 ? process_context_switches(settings.handler_pid) : std::nullopt;
  const uint64_t scheduled0 = run.scheduled();
  run.set_measuring(true);

  // The window in steps, so that a dip (a reload) is visible and not averaged away.
  const auto step = to_clock(std::max(0.05, settings.timeline_step_seconds));
  const auto end = t0 + to_clock(settings.seconds);
  const auto reload_time = t0 + to_clock(std::max(0.0, settings.reload_at_seconds));
  bool reload_due = settings.reload_at_seconds >= 0 && settings.on_reload;
  result.timeline_step_seconds = std::chrono::duration<double>(step).count();
  uint64_t step_acks = acks0;
  for (auto step_end = t0 + step;; step_end += step) {
    const auto until = std::min(step_end, end);
    if (reload_due && reload_time <= until) {
      pacer.sleep_until(reload_time);
      result.reload_at_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      settings.on_reload();
      reload_due = false;
    }
    pacer.sleep_until(until);
    const uint64_t now_acks = run.acks();
    result.timeline.push_back(now_acks - step_acks);
    step_acks = now_acks;
    if (until >= end) break;
  }

  run.set_measuring(false);
  auto t1 = Clock::now();
  uint64_t acks1 = run.acks();
  AdapterCounts calls1 = counts();
  double cpu1 = self_cpu_seconds();
  double handler1 = handler_cpu(settings.handler_pid);
  double broker1 = handler_cpu(settings.broker_pid);
  const auto switches1 = settings.handler_pid > 0 ? process_context_switches(settings.handler_pid) : std::nullopt;
  if (switches0 && switches1) result.handler_context_switches = static_cast<double>(*switches1 - *switches0);
  result.frames_scheduled = run.scheduled() - scheduled0;

  result.window_seconds = std::chrono::duration<double>(t1 - t0).count();
  result.frames = acks1 - acks0;
  result.frames_per_second = result.frames / result.window_seconds;
  result.adapter = calls1 - calls0;
  result.adapter_calls_per_second = result.adapter.total() / result.window_seconds;
  result.bench_cpu_percent = 100.0 * (cpu1 - cpu0) / result.window_seconds;
  if (handler0 >= 0 && handler1 >= 0)
    result.handler_cpu_percent = 100.0 * (handler1 - handler0) / result.window_seconds;
  if (broker0 >= 0 && broker1 >= 0) result.broker_cpu_percent = 100.0 * (broker1 - broker0) / result.window_seconds;
  result.conns_connected = run.connected();

  run.stop();
  if (!wait_for([&] { return run.closed() >= settings.conns; }, settings.drain_timeout_seconds)) {
    run.force();
    if (!wait_for([&] { return run.closed() >= settings.conns; }, 2.0)) run.cancel_all();
  }
  // Every started operation completes (cancelled ones promptly), so this ends.
  wait_for([&] { return run.in_flight() == 0 && run.closed() >= settings.conns; }, 5.0);
  while (run.in_flight() != 0) {
    run.cancel_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  run.fill(result);
  return result;
}

LoadResult run_load(const LoadSettings& settings, AdapterServer& adapter) {
  LoadRun run(settings);
  SinkAttachment attachment(adapter, run);
  return measure_run(settings, run, [&adapter] { return adapter.counts(); });
}

}  // namespace exproto::bench
