// Keeps the session table in step with EMQX. EMQX does not always say when a conn ends: a killed
// node sends no OnSocketClosed, and an idle codec makes no call that would hear
// CONN_PROCESS_NOT_ALIVE. So sessions EMQX has not shown any sign of for sessions.probe_idle_s
// are asked about with a zero-length Send (answered SUCCESS and writing nothing for a live conn),
// and every session is asked once EMQX comes back after an outage. Probes go out at
// sessions.probe_rate per second at most so a sweep of a large fleet does not flood EMQX; a live
// idle device is never closed by this (only CONN_PROCESS_NOT_ALIVE ends a session).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "host/config/config.h"

namespace exproto::host {

class Dispatcher;
class Session;

class Reconciler {
 public:
  Reconciler(Dispatcher& dispatcher, const SessionsConfig& limits);
  ~Reconciler();  // stops probing (probes in flight complete into their sessions)
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  // Any thread: probe every session, e.g. EMQX came back after an outage and may have lost them all.
  void sweep_all();
  // Probes waiting to be sent (for tests and status).
  std::size_t backlog() const;
  // Any thread: probe `session` again in a second (its probe got no answer).
  void retry_later(std::weak_ptr<Session> session);

 private:
  void run(std::stop_token stop);
  void collect(bool everyone, int64_t now_ms);

  Dispatcher& dispatcher_;
  const int64_t idle_ms_;
  const uint32_t rate_;
  std::atomic<bool> sweep_requested_{false};
  mutable std::mutex mu_;
  std::deque<std::weak_ptr<Session>> backlog_;
  std::deque<std::pair<int64_t, std::weak_ptr<Session>>> retries_;  // (due steady ms, session), due order
  std::mutex wake_mu_;
  std::condition_variable_any cv_;
  std::jthread thread_;  // last: runs over the members above
};

}  // namespace exproto::host
