// Times the migration of one reload: every Migrate event the reload queues holds a reference to
// one MigrationTimer (event::Migrate::handled), and the last session to handle its event
// releases it, which records how long the whole migration took. No counting, no polling, and
// sessions that close before they migrate still let it finish.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "host/metrics/metrics.h"

namespace exproto::host {

class MigrationTimer {
 public:
  // Its destructor runs on the worker thread that handles the last Migrate event.
  static std::shared_ptr<MigrationTimer> start(Metrics& metrics, std::string codec, uint64_t generation);
  MigrationTimer(Metrics& metrics, std::string codec, uint64_t generation);  // use start()
  ~MigrationTimer();
  MigrationTimer(const MigrationTimer&) = delete;
  MigrationTimer& operator=(const MigrationTimer&) = delete;

  void add_session() { ++sessions_; }  // once per Migrate event made, before it is queued

 private:
  Metrics& metrics_;
  const std::string codec_;
  const uint64_t generation_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  const uint64_t migrated_before_;
  const uint64_t failures_before_;
  uint64_t sessions_ = 0;  // control thread, before any event is queued
};

}  // namespace exproto::host
