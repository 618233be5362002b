#include "host/reload/migration_timer.h"

#include <spdlog/spdlog.h>

namespace exproto::host {

std::shared_ptr<MigrationTimer> MigrationTimer::start(Metrics& metrics, std::string codec, uint64_t generation) {
  return std::make_shared<MigrationTimer>(metrics, std::move(codec), generation);
}

MigrationTimer::MigrationTimer(Metrics& metrics, std::string codec, uint64_t generation)
    : metrics_(metrics),
      codec_(std::move(codec)),
      generation_(generation),
      migrated_before_(metrics.sessions_migrated.get()),
      failures_before_(metrics.migrate_failures.get()) {}

MigrationTimer::~MigrationTimer() {
  if (sessions_ == 0) return;
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started_);
  metrics_.reload_migration_us.set(took.count());
  // Counters are process-wide: with two reloads migrating at once these include the other's.
  spdlog::info("codec '{}' generation {}: migration of {} session(s) done in {:.1f} ms ({} migrated, {} failed)",
               codec_, generation_, sessions_, took.count() / 1000.0,
               metrics_.sessions_migrated.get() - migrated_before_, metrics_.migrate_failures.get() - failures_before_);
}

}  // namespace exproto::host
