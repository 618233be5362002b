// One thread that fires callbacks at deadlines. Callbacks must be short (they post into a session
// or the dispatcher); they run on the timer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace exproto::host {

class TimerService {
 public:
  using Clock = std::chrono::steady_clock;

  TimerService();
  ~TimerService();  // pending timers are dropped, never fired
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Returns an id > 0.
  uint64_t schedule(std::chrono::milliseconds delay, std::function<void()> fn);
  // True when the timer was pending and now never fires.
  bool cancel(uint64_t id);
  std::size_t pending() const;
  // Stops firing (pending timers are kept but never fire); the destructor does it too.
  void stop();

 private:
  void run(std::stop_token st);
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  uint64_t next_id_ = 1;
  std::multimap<Clock::time_point, uint64_t> by_deadline_;
  struct Entry {
    std::multimap<Clock::time_point, uint64_t>::iterator pos;
    std::function<void()> fn;
  };
  std::unordered_map<uint64_t, Entry> by_id_;
  std::jthread thread_;  // last: starts after the members above exist
};

}  // namespace exproto::host
