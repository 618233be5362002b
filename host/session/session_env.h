// What every session needs from the host, shared by all sessions. Owned by the App, which keeps
// it alive until every session, timer and pending call is gone.
#pragma once

#include <exproto/codec_abi.h>

#include <functional>
#include <string>

#include "host/config/config.h"

namespace exproto::host {

class WorkerPool;
class TimerService;
class Upstream;
struct Metrics;

struct SessionEnv {
  WorkerPool& pool;
  TimerService& timers;
  Upstream& upstream;
  Metrics& metrics;
  SessionsConfig limits;
  const exproto_host_api* api;
  // Called once when a session is finished (the dispatcher forgets and tombstones the conn).
  std::function<void(const std::string& conn)> on_finished;
};

}  // namespace exproto::host
