// Process-wide counters, owned by the App and passed by reference (no globals). Rendered in the
// Prometheus text format by render_prometheus().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "host/metrics/counter_family.h"
#include "host/metrics/histogram.h"
#include "host/registry/load_refusal.h"

namespace exproto::host {

struct Counter {
  std::atomic<uint64_t> value{0};
  void inc(uint64_t n = 1) { value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct Gauge {
  std::atomic<int64_t> value{0};
  void add(int64_t n) { value.fetch_add(n, std::memory_order_relaxed); }
  void set(int64_t n) { value.store(n, std::memory_order_relaxed); }
  int64_t get() const { return value.load(std::memory_order_relaxed); }
};

struct Metrics {
  Counter events_received;        // every event handed over by EMQX
  Counter sessions_opened;
  Counter sessions_closed;
  Gauge sessions_active;
  Counter unrouted_conns;         // no route for the conn's listener
  Counter unknown_conn_events;    // event for a conn without session (policy applied)
  Counter late_events;            // event for a conn that already closed (dropped)
  Counter held_events;            // streaming: event held until its OnSocketCreated
  Counter held_events_expired;    // streaming: OnSocketCreated never came
  Counter codec_failures;         // a hook returned an error status: connection closed
  Counter codec_refused_calls;    // host function refused (bad state, bad argument, limits)
  Counter adapter_calls;
  Counter adapter_call_failures;  // transport failure or deadline (not EMQX result codes)
  Counter adapter_results_not_success;  // EMQX answered with a code other than SUCCESS
  Counter conn_process_gone;      // CONN_PROCESS_NOT_ALIVE ended a session
  Counter backpressure_waits;     // answers to EMQX delayed because a session was over its limits
  Counter timers_fired;
  Counter codec_loads;            // codec generations loaded (start-up and reloads)
  Counter codec_load_failures;    // a reload that failed; the current generation keeps serving
  Counter codec_unloads;          // generations whose library verifiably left the process
  Counter codec_unload_leaks;     // generations released but still mapped (dlclose did not unload)
  Gauge reload_landing_to_serving_us;  // last reload: file noticed (or reload asked) -> new generation serving
  Gauge reload_migration_us;      // last reload: new generation serving -> its migrations all done
  Counter sessions_migrated;      // sessions moved to a new generation (export + import)
  Counter migrate_failures;       // export or import failed: the session stayed on its generation
  Counter sessions_restarted;     // sessions closed by a reload (policy restart, drain past deadline, cap)
  Counter events_refused;         // events refused because the host memory budget was exhausted (conn closed)
  Counter held_events_evicted;    // streaming: held events given up early so newer conns could be held
  Counter sessions_replaced;      // a second OnSocketCreated for a live conn replaced its stale session
  Counter probes_sent;            // liveness probes (zero-length Send) sent for idle sessions
  Counter sessions_swept;         // sessions ended because a probe found EMQX no longer has the conn
  Counter adapter_calls_dropped;  // calls of a finished session dropped before they were sent
  Counter adapter_calls_failed_fast;  // calls failed at once because EMQX was unreachable (adapter.when_unavailable)
  Counter adapter_recoveries;     // the ConnectionAdapter became reachable again after an outage
  Gauge adapter_ready;            // 1 while a ConnectionAdapter address is reachable
  Gauge queued_bytes;             // bytes waiting in the host's queues (sessions.max_total_queued_bytes)
  Gauge recently_closed;          // conns remembered as recently closed
  Counter log_lines_suppressed;   // log lines of one kind over its rate limit
  Counter hook_overruns;          // codec hooks that ran past sessions.hook_timeout_ms
  Counter pool_workers_added;     // workers started to replace ones held by an overrunning hook
  Gauge pool_workers_stuck;       // workers inside a hook past sessions.hook_timeout_ms now
  Counter isolated_child_crashes;    // codec-runner children that died on their own (crash, exit, killed from outside)
  Counter isolated_hook_timeouts;    // children killed because a hook ran past sessions.hook_timeout_ms
  Counter isolated_child_restarts;   // children started again after one died
  Counter isolated_rollbacks;        // reloaded generations rolled back because their children kept dying
  Counter isolated_queued_hooks;     // hooks that went to a child in one exchange with the hook before them
  Counter handler_peers_refused;     // handler calls from an address outside handler.allow_peers
  Counter handler_calls_over_limit;  // handler calls refused past handler.max_calls_per_peer
  Counter handler_requests_refused;  // handler requests refused by the edge checks (bad conn id, enum, size)
  Counter tls_file_problems;      // distinct bad handler.tls file sets seen while serving (gRPC kept the old pair)
  Gauge tls_cert_expiry_seconds;  // until notAfter of the served handler.tls certificate; negative once expired
  // Set once handler.tls is monitored: without it the expiry gauge is left out rather than read as
  // "expires now" by an alert.
  std::atomic<bool> tls_cert_expiry_known{false};

  // With labels (bounded: fixed kinds and results, never a conn or clientid).
  static constexpr std::size_t kEventKinds = 6;  // OnSocketCreated, bytes, messages, timer, closed, other
  std::array<Counter, kEventKinds> events_by_kind;  // index: event::Event's index (0 = OnSocketCreated)
  static constexpr std::size_t kCallKinds = 8;      // exproto_type_call_kind
  static constexpr std::size_t kCallResults = 8;    // SUCCESS..PERMISSION_DENY, HOST_UNAVAILABLE, HOST_DEADLINE
  std::array<std::array<Counter, kCallResults>, kCallKinds> adapter_calls_by;
  void count_adapter_call(int32_t kind, int32_t code);
  // A hook that returned an error status (a C++ codec's exception arrives as one through the SDK's
  // barrier), by codec name and hook name: both bounded (the codecs loaded, the ABI's hooks).
  CounterFamily hook_errors{{"codec", "hook"}};
  // Codec files refused at start-up or on a reload, by the check that refused them.
  std::array<Counter, kLoadRefusals> plugin_files_refused;
  void count_refused(LoadRefusal why) { plugin_files_refused[static_cast<std::size_t>(why)].inc(); }
  // The plugins-folder watcher's trouble (host/reload/plugin_watcher.cpp), by kind.
  enum class WatcherProblem : uint8_t {
    queue_overflow,  // inotify dropped events: a change may go unnoticed until the file is written again
    folder_gone,     // the folder was removed, moved away or unmounted: watching stopped
    poll_failed,     // the watcher's poll failed: watching stopped
  };
  static constexpr std::size_t kWatcherProblems = 3;
  std::array<Counter, kWatcherProblems> plugin_watcher_problems;
  void count_watcher_problem(WatcherProblem p) { plugin_watcher_problems[static_cast<std::size_t>(p)].inc(); }
  Gauge plugin_watcher_running;    // 1 while plugins.watch is on and the watcher runs
  Histogram hook_seconds;          // every codec hook, in process
  Histogram adapter_call_seconds;  // every ConnectionAdapter call, from the host's call to its answer

  std::string render_prometheus() const;
};

}  // namespace exproto::host
