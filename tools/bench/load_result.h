// What one measured run of the load driver produced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "adapter_server.h"

namespace exproto::bench {

struct LoadResult {
  std::string label;  // "handler", "baseline", "host"
  int round = 0;

  std::size_t conns_requested = 0;
  std::size_t conns_connected = 0;  // got their CONNACK

  double window_seconds = 0;     // the measured window, warm-up excluded
  uint64_t frames = 0;           // PUBACKs received in the window
  double frames_per_second = 0;
  uint64_t latency_samples = 0;  // frames whose PUBACK arrived in the window
  double p50_us = 0, p99_us = 0, p999_us = 0, mean_us = 0, max_us = 0;
  double connect_p50_us = 0;     // OnReceivedBytes(CONNECT) -> CONNACK, over all conns

  // The window second by second (acks per timeline_step_seconds); a reload's dip shows here.
  std::vector<uint64_t> timeline;
  double timeline_step_seconds = 1;
  double reload_at_seconds = -1;        // when the reload was triggered, seconds into the window
  double reload_serving_seconds = -1;   // file landed -> the host logged the new generation
  std::string reload_summary;           // what the host said it did with the sessions
  std::string reload_steps;             // the host's own landing-to-serving timeline, step by step
  std::string reload_migration;         // the host's migration time of the sessions

  AdapterCounts adapter;  // calls the handler made in the window
  double adapter_calls_per_second = 0;

  double bench_cpu_percent = 0;     // this process (driver + adapter), 100 = one core
  double handler_cpu_percent = -1;  // the handler process when known, else -1
  double broker_cpu_percent = -1;   // native mode: the MQTT broker (not the host's), else -1
  // Voluntary + involuntary context switches of every thread of the handler process in the
  // window (what thread hops cost at a moderate rate), -1 when unknown.
  double handler_context_switches = -1;
  uint64_t frames_scheduled = 0;    // open loop: frames due in the window (sent or still waiting)

  uint64_t rpc_errors = 0;      // handler RPCs that did not end OK
  uint64_t nacks = 0;           // CONNACK/PUBACK with a non-zero code
  uint64_t stray_acks = 0;      // PUBACKs with no frame outstanding
  uint64_t handler_closes = 0;  // Close calls the handler made
  std::string first_error;      // first failed RPC's status, for the report

  // Everything that makes the run's figures meaningless; must be 0.
  uint64_t errors() const { return rpc_errors + nacks + stray_acks + handler_closes; }
};

}  // namespace exproto::bench
