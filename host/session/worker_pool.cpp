#include "host/session/worker_pool.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include "host/metrics/metrics.h"

namespace exproto::host {

// What the watchdog sees of one thread: whether it is inside a hook, since when, and for whom.
struct HookSlot {
  mutable std::mutex mu;
  std::atomic<bool> claimed{false};  // inline slots only: in use by a thread now
  bool in_hook = false;
  bool overdue = false;
  std::chrono::steady_clock::time_point started{};
  const std::string* codec = nullptr;
  const std::string* conn = nullptr;
};

struct WorkerPool::Worker {
  HookSlot slot;
  std::thread thread;
  bool finished = false;  // under the pool's mu_
};

namespace {
// The slot of the pool thread running here, and its pool (null on other threads).
thread_local HookSlot* t_slot = nullptr;
thread_local WorkerPool* t_pool = nullptr;
}  // namespace

WorkerPool::WorkerPool(std::size_t threads) : WorkerPool(threads, Watchdog{}) {}

WorkerPool::WorkerPool(std::size_t threads, Watchdog watchdog)
    : size_(threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : threads),
      watchdog_(watchdog),
      inline_slots_(std::make_unique<HookSlot[]>(kInlineSlots)) {
  std::lock_guard lk(mu_);
  for (std::size_t i = 0; i < size_; ++i) start_worker();
  if (watchdog_.hook_timeout.count() > 0) {
    watchdog_thread_ = std::jthread([this](std::stop_token stop) { watch(stop); });
  }
}

WorkerPool::~WorkerPool() { stop(std::chrono::steady_clock::time_point::max()); }

void WorkerPool::start_worker() {
  auto& w = workers_.emplace_back();
  ++alive_;
  w.thread = std::thread([this, &w] { run(w); });
}

std::size_t WorkerPool::threads() const {
  std::lock_guard lk(mu_);
  return alive_;
}

std::size_t WorkerPool::hooks_running() const {
  std::size_t n = 0;
  std::lock_guard lk(mu_);
  for (auto& w : workers_) {
    std::lock_guard slot_lock(w.slot.mu);
    n += w.slot.in_hook ? 1 : 0;
  }
  for (std::size_t i = 0; i < kInlineSlots; ++i) {
    HookSlot& slot = inline_slots_[i];
    if (!slot.claimed.load(std::memory_order_acquire)) continue;
    std::lock_guard slot_lock(slot.mu);
    n += slot.in_hook ? 1 : 0;
  }
  return n;
}

void WorkerPool::post(std::function<void()> task) {
  {
    std::lock_guard lk(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::run(Worker& self) {
  t_slot = &self.slot;
  t_pool = this;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lk(mu_);
      // A replacement is no longer needed once the thread it stood in for is back.
      const bool surplus = alive_ > size_ + stuck_;
      if (!surplus) cv_.wait(lk, [this] { return stopping_ || !tasks_.empty() || alive_ > size_ + stuck_; });
      if (alive_ > size_ + stuck_ || tasks_.empty()) {  // retiring, or stopping and drained
        --alive_;
        self.finished = true;
        done_cv_.notify_all();
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

bool WorkerPool::stop(std::chrono::steady_clock::time_point deadline) {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (watchdog_thread_.joinable()) {
    watchdog_thread_.request_stop();
    watchdog_thread_.join();
  }
  std::unique_lock lk(mu_);
  if (deadline == std::chrono::steady_clock::time_point::max()) {
    done_cv_.wait(lk, [this] { return alive_ == 0; });
  } else {
    done_cv_.wait_until(lk, deadline, [this] { return alive_ == 0; });
  }
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->finished) {
      ++it;
      continue;
    }
    if (it->thread.joinable()) it->thread.join();
    it = workers_.erase(it);
  }
  return workers_.empty();
}

void WorkerPool::watch(std::stop_token stop) {
  const auto limit = watchdog_.hook_timeout;
  const auto period = std::clamp<std::chrono::milliseconds>(limit / 4, std::chrono::milliseconds(10),
                                                            std::chrono::milliseconds(1000));
  std::mutex m;
  std::condition_variable_any cv;
  while (!stop.stop_requested()) {
    struct Overrun {
      std::string codec, conn;
      int64_t ms;
      bool inline_thread;
    };
    std::vector<Overrun> found;
    bool added = false;
    std::size_t alive = 0, stuck = 0;
    {
      std::lock_guard lk(mu_);
      const auto now = std::chrono::steady_clock::now();
      for (auto& w : workers_) {
        std::lock_guard slot_lock(w.slot.mu);
        if (!w.slot.in_hook || w.slot.overdue || now - w.slot.started <= limit) continue;
        w.slot.overdue = true;
        ++stuck_;
        found.push_back(Overrun{w.slot.codec ? *w.slot.codec : "?", w.slot.conn ? *w.slot.conn : "?",
                                std::chrono::duration_cast<std::chrono::milliseconds>(now - w.slot.started).count(),
                                false});
      }
      // Hooks run inline on a transport thread: nothing of ours to replace, but the session must
      // hear about it (it closes) and the line must be written.
      for (std::size_t i = 0; i < kInlineSlots; ++i) {
        HookSlot& slot = inline_slots_[i];
        if (!slot.claimed.load(std::memory_order_acquire)) continue;
        std::lock_guard slot_lock(slot.mu);
        if (!slot.in_hook || slot.overdue || now - slot.started <= limit) continue;
        slot.overdue = true;
        found.push_back(Overrun{slot.codec ? *slot.codec : "?", slot.conn ? *slot.conn : "?",
                                std::chrono::duration_cast<std::chrono::milliseconds>(now - slot.started).count(),
                                true});
      }
      // Replace lost capacity, within the bound on extra threads.
      while (!stopping_ && alive_ - stuck_ < size_ && alive_ < size_ + watchdog_.max_extra) {
        for (auto it = workers_.begin(); it != workers_.end();) {  // reap retired threads first
          if (it->finished) {
            if (it->thread.joinable()) it->thread.join();
            it = workers_.erase(it);
          } else {
            ++it;
          }
        }
        start_worker();
        added = true;
        if (watchdog_.metrics) watchdog_.metrics->pool_workers_added.inc();
      }
      alive = alive_;
      stuck = stuck_;
    }
    if (watchdog_.metrics) watchdog_.metrics->pool_workers_stuck.set(static_cast<int64_t>(stuck));
    for (const auto& o : found) {
      if (watchdog_.metrics) watchdog_.metrics->hook_overruns.inc();
      if (watchdog_.on_overrun) watchdog_.on_overrun(o.codec);
      if (o.inline_thread) {
        spdlog::error("codec '{}' hook for conn {} has run {} ms inline on a transport thread "
                      "(sessions.hook_timeout_ms {}); its hooks run on the worker pool from now on, and the "
                      "session is closed when the hook returns",
                      o.codec, o.conn, o.ms, limit.count());
        continue;
      }
      spdlog::error("codec '{}' hook for conn {} has run {} ms (sessions.hook_timeout_ms {}); {} the session is "
                    "closed when the hook returns",
                    o.codec, o.conn, o.ms, limit.count(),
                    added ? fmt::format("a replacement worker was started ({} threads, {} stuck);", alive, stuck)
                          : fmt::format("no replacement worker left (sessions.max_extra_workers {});",
                                        watchdog_.max_extra));
    }
    std::unique_lock lk(m);
    cv.wait_for(lk, stop, period, [] { return false; });
  }
}

WorkerPool::HookTimer::HookTimer(WorkerPool& pool, const std::string& codec, const std::string& conn,
                                 std::chrono::steady_clock::time_point started)
    : slot_(t_pool == &pool ? t_slot : nullptr) {
  if (slot_ == nullptr && pool.watchdog_.hook_timeout.count() > 0) {
    for (std::size_t i = 0; i < kInlineSlots; ++i) {
      bool expected = false;
      if (pool.inline_slots_[i].claimed.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) {
        slot_ = &pool.inline_slots_[i];
        foreign_pool_ = &pool;
        break;
      }
    }
  }
  if (slot_ == nullptr) return;
  std::lock_guard lk(slot_->mu);
  slot_->in_hook = true;
  slot_->overdue = false;
  slot_->started = started;
  slot_->codec = &codec;
  slot_->conn = &conn;
}

WorkerPool::HookTimer::~HookTimer() { finish(); }

bool WorkerPool::HookTimer::finish() {
  if (slot_ == nullptr) return false;
  HookSlot* slot = std::exchange(slot_, nullptr);
  bool overdue;
  {
    std::lock_guard lk(slot->mu);
    slot->in_hook = false;
    overdue = std::exchange(slot->overdue, false);
    slot->codec = slot->conn = nullptr;
  }
  if (foreign_pool_ != nullptr) {
    slot->claimed.store(false, std::memory_order_release);
    return overdue;  // no thread of ours was held
  }
  if (!overdue) return false;
  WorkerPool& pool = *t_pool;
  std::size_t stuck;
  {
    std::lock_guard lk(pool.mu_);
    stuck = --pool.stuck_;
  }
  // A surplus thread (this one or a replacement) may now retire.
  pool.cv_.notify_all();
  if (pool.watchdog_.metrics) pool.watchdog_.metrics->pool_workers_stuck.set(static_cast<int64_t>(stuck));
  return true;
}

}  // namespace exproto::host
