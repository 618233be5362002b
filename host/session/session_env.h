// What every session needs from the host, shared by all sessions. Owned by the App, which keeps
// it alive until every session, timer and pending call is gone.
#pragma once

#include <exproto/codec_abi.h>

#include <functional>
#include <memory>
#include <string>

#include "host/config/config.h"
#include "host/log/log_limiter.h"
#include "host/session/inline_policy.h"
#include "host/session/memory_budget.h"

namespace exproto::host {

class WorkerPool;
class TimerService;
class Upstream;
class Session;
struct Metrics;

struct SessionEnv {
  WorkerPool& pool;
  TimerService& timers;
  Upstream& upstream;
  Metrics& metrics;
  SessionsConfig limits;
  const exproto_host_api* api;
  // Called once when a session is finished (the dispatcher forgets and tombstones the conn).
  std::function<void(const std::string& conn, const Session* session)> on_finished;
  // Host-wide bytes waiting in queues (sessions.max_total_queued_bytes); unlimited by default.
  std::shared_ptr<MemoryBudget> budget = std::make_shared<MemoryBudget>();
  // Lines every session may log at once during an outage are rate-limited per kind.
  std::shared_ptr<LogLimiter> log_limits = std::make_shared<LogLimiter>();
  // Hooks run where their event arrived when the session is idle (sessions.inline_hooks).
  std::shared_ptr<InlinePolicy> inline_policy = std::make_shared<InlinePolicy>();
  // A probe that got no answer (EMQX unreachable, deadline) asks for another try later (the
  // reconciler's); unset: the next idle scan finds the session again.
  std::function<void(std::weak_ptr<Session>)> reprobe;
  // Who answers the calls, as log lines name it: EMQX, or the MQTT broker in native mode.
  const char* upstream_name = "EMQX";
};

}  // namespace exproto::host
