// A fixed pool of threads running posted tasks. Sessions post themselves here; ordering within a
// session is the session's job (it is never posted twice at once).
//
// Watchdog: codec hooks run on these threads and a hook that never returns would hold its
// thread forever (two such devices on two cores stop every session). Sessions mark their hooks
// (HookTimer); a hook past `hook_timeout` is reported once (log + metric) and the pool starts a
// replacement thread, at most `max_extra` at a time, so other sessions keep running. The thread
// that was stuck retires once its hook returns and the pool is back at its size.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace exproto::host {

struct Metrics;
struct HookSlot;

class WorkerPool {
 public:
  struct Watchdog {
    std::chrono::milliseconds hook_timeout{0};  // 0: no watchdog
    std::size_t max_extra = 0;                  // replacement threads alive at once, at most
    Metrics* metrics = nullptr;
    // Called on the watchdog thread with the codec's name when one of its hooks overruns (e.g. to
    // stop running that codec's hooks inline).
    std::function<void(const std::string& codec)> on_overrun;
  };

  explicit WorkerPool(std::size_t threads);  // no watchdog
  WorkerPool(std::size_t threads, Watchdog watchdog);
  ~WorkerPool();  // runs what is queued, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void post(std::function<void()> task);
  std::size_t size() const { return size_; }
  // Threads alive now (size() plus replacements not yet retired).
  std::size_t threads() const;
  // Hooks running right now, on the pool's threads and inline elsewhere.
  std::size_t hooks_running() const;
  // Stops taking tasks and joins the threads, waiting at most until `deadline` for tasks that are
  // running; threads still inside a hook then are left behind (the process is about to exit).
  // Returns false when some were left.
  bool stop(std::chrono::steady_clock::time_point deadline);

  // Marks the current thread as inside a codec hook of `conn` (names for the watchdog's line;
  // both must stay valid until the timer ends). On the pool's own threads an overrun gets a
  // replacement worker; on other threads (a hook run inline where its event arrived) it is
  // reported and seen by finish() only, while kInlineSlots such hooks run at once.
  class HookTimer {
   public:
    // `started`: when the hook began (the caller's clock read, shared with its histogram).
    HookTimer(WorkerPool& pool, const std::string& codec, const std::string& conn,
              std::chrono::steady_clock::time_point started);
    ~HookTimer();  // finish() if not done yet
    HookTimer(const HookTimer&) = delete;
    HookTimer& operator=(const HookTimer&) = delete;
    // Ends the hook (once; later calls return false). True when the watchdog saw it past the limit.
    bool finish();

   private:
    HookSlot* slot_;
    WorkerPool* foreign_pool_ = nullptr;  // set when slot_ is one of that pool's inline slots
  };
  static constexpr std::size_t kInlineSlots = 64;

  struct Worker;

 private:
  void run(Worker& self);
  void watch(std::stop_token stop);
  void start_worker();  // under mu_

  const std::size_t size_;
  const Watchdog watchdog_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::size_t alive_ = 0;   // threads that have not retired
  std::size_t stuck_ = 0;   // threads inside an overrunning hook
  std::list<Worker> workers_;  // stable addresses: each thread keeps a reference to its own
  std::unique_ptr<HookSlot[]> inline_slots_;  // hooks running on threads that are not the pool's
  std::condition_variable done_cv_;
  std::jthread watchdog_thread_;  // last
};

}  // namespace exproto::host
