#include "host/session/reconciler.h"

#include <spdlog/spdlog.h>

#include "host/session/dispatcher.h"
#include "host/session/session.h"

namespace exproto::host {

namespace {
// Probes are sent in slices this often; idle sessions are looked for every kScanPeriod.
constexpr std::chrono::milliseconds kTick{100};
constexpr int64_t kScanPeriodMs = 1000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Reconciler::Reconciler(Dispatcher& dispatcher, const SessionsConfig& limits)
    : dispatcher_(dispatcher),
      idle_ms_(static_cast<int64_t>(limits.probe_idle_s) * 1000),
      rate_(std::max<uint32_t>(1, limits.probe_rate)),
      thread_([this](std::stop_token stop) { run(stop); }) {}

Reconciler::~Reconciler() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Reconciler::sweep_all() {
  sweep_requested_ = true;
  cv_.notify_all();
}

void Reconciler::retry_later(std::weak_ptr<Session> session) {
  std::lock_guard lk(mu_);
  retries_.emplace_back(steady_ms() + 1000, std::move(session));
}

std::size_t Reconciler::backlog() const {
  std::lock_guard lk(mu_);
  return backlog_.size();
}

void Reconciler::collect(bool everyone, int64_t now_ms) {
  std::deque<std::weak_ptr<Session>> found;
  dispatcher_.for_each_session([&](Session& s) {
    if (everyone || now_ms - s.last_alive_ms() >= idle_ms_) found.push_back(s.weak_from_this());
  });
  if (found.empty()) return;
  std::lock_guard lk(mu_);
  if (everyone) {
    // A sweep covers everything; what was waiting is part of it.
    backlog_.swap(found);
    spdlog::info("reconciliation: probing all {} sessions at up to {}/s (EMQX came back after an outage)",
                 backlog_.size(), rate_);
  } else if (backlog_.empty()) {
    backlog_.swap(found);
  }
}

void Reconciler::run(std::stop_token stop) {
  int64_t next_scan = steady_ms() + kScanPeriodMs;
  double allowance = 0;  // probes that may go out now (token bucket, one tick's worth at most)
  while (!stop.stop_requested()) {
    const int64_t now = steady_ms();
    if (sweep_requested_.exchange(false)) {
      collect(true, now);
    } else if (idle_ms_ > 0 && now >= next_scan) {
      collect(false, now);
      next_scan = now + kScanPeriodMs;
    }
    {
      std::lock_guard lk(mu_);
      while (!retries_.empty() && retries_.front().first <= now) {
        backlog_.push_back(std::move(retries_.front().second));
        retries_.pop_front();
      }
    }
    allowance = std::min(allowance + rate_ * (kTick.count() / 1000.0), std::max(1.0, rate_ * (kTick.count() / 1000.0)));
    while (allowance >= 1) {
      std::shared_ptr<Session> s;
      {
        std::lock_guard lk(mu_);
        if (backlog_.empty()) break;
        s = backlog_.front().lock();
        backlog_.pop_front();
      }
      if (!s) continue;
      s->probe();
      allowance -= 1;
    }
    // Awake only while probes are waiting: an idle host costs one wake-up per scan period.
    bool retrying;
    {
      std::lock_guard lk(mu_);
      retrying = !retries_.empty();
    }
    const auto wait = backlog() != 0 || retrying ? kTick : std::chrono::milliseconds(kScanPeriodMs);
    std::unique_lock lk(wake_mu_);
    cv_.wait_for(lk, stop, wait, [this] { return sweep_requested_.load(); });
  }
}

}  // namespace exproto::host
