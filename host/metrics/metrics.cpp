#include "host/metrics/metrics.h"

#include <exproto/codec_abi.h>
#include <fmt/format.h>

#include "host/upstream/upstream.h"

namespace exproto::host {

namespace {
void counter(std::string& out, const char* name, const char* help, uint64_t v) {
  out += fmt::format("# HELP exproto_{0} {1}\n# TYPE exproto_{0} counter\nexproto_{0} {2}\n", name, help, v);
}
void gauge(std::string& out, const char* name, const char* help, int64_t v) {
  out += fmt::format("# HELP exproto_{0} {1}\n# TYPE exproto_{0} gauge\nexproto_{0} {2}\n", name, help, v);
}
const char* result_name(std::size_t i) {
  static constexpr const char* kNames[] = {"success",         "unknown",          "conn_process_not_alive",
                                           "required_params_missed", "params_type_error", "permission_deny",
                                           "host_unavailable", "host_deadline"};
  return kNames[i];
}

std::size_t result_index(int32_t code) {
  if (code >= EXPROTO_RESULT_SUCCESS && code <= EXPROTO_RESULT_PERMISSION_DENY) return static_cast<std::size_t>(code);
  return code == EXPROTO_RESULT_HOST_DEADLINE ? 7 : 6;
}

}  // namespace

void Metrics::count_adapter_call(int32_t kind, int32_t code) {
  if (kind < 0 || static_cast<std::size_t>(kind) >= kCallKinds) return;
  adapter_calls_by[static_cast<std::size_t>(kind)][result_index(code)].inc();
}

namespace {

void render_labeled(std::string& out, const Metrics& m) {
  static constexpr const char* kEvents[] = {"OnSocketCreated", "OnReceivedBytes", "OnReceivedMessages",
                                            "OnTimerTimeout", "OnSocketClosed", "other"};
  out += "# HELP exproto_events_total Events received from EMQX, by kind\n# TYPE exproto_events_total counter\n";
  for (std::size_t i = 0; i < Metrics::kEventKinds; ++i) {
    out += fmt::format("exproto_events_total{{kind=\"{}\"}} {}\n", kEvents[i], m.events_by_kind[i].get());
  }
  out += "# HELP exproto_adapter_calls_by_result_total ConnectionAdapter calls by kind and result\n"
         "# TYPE exproto_adapter_calls_by_result_total counter\n";
  for (std::size_t k = 0; k < Metrics::kCallKinds; ++k) {
    for (std::size_t r = 0; r < Metrics::kCallResults; ++r) {
      const uint64_t v = m.adapter_calls_by[k][r].get();
      if (v == 0) continue;  // 64 series, most of them always 0
      out += fmt::format("exproto_adapter_calls_by_result_total{{kind=\"{}\",result=\"{}\"}} {}\n",
                         call_kind_name(static_cast<int32_t>(k)), result_name(r), v);
    }
  }
  m.hook_errors.render(out, "exproto_hook_errors_total",
                       "Codec hooks that returned an error (or threw through the SDK), by codec and hook");
  out += "# HELP exproto_plugin_files_refused_total Codec files refused at start-up or on a reload, by reason\n"
         "# TYPE exproto_plugin_files_refused_total counter\n";
  for (std::size_t i = 0; i < kLoadRefusals; ++i) {
    out += fmt::format("exproto_plugin_files_refused_total{{reason=\"{}\"}} {}\n",
                       to_string(static_cast<LoadRefusal>(i)), m.plugin_files_refused[i].get());
  }
  static constexpr const char* kWatcherProblems[] = {"queue_overflow", "folder_gone", "poll_failed"};
  out += "# HELP exproto_plugin_watcher_problems_total Trouble of the plugins-folder watcher, by kind\n"
         "# TYPE exproto_plugin_watcher_problems_total counter\n";
  for (std::size_t i = 0; i < Metrics::kWatcherProblems; ++i) {
    out += fmt::format("exproto_plugin_watcher_problems_total{{problem=\"{}\"}} {}\n", kWatcherProblems[i],
                       m.plugin_watcher_problems[i].get());
  }
  out += "# HELP exproto_hook_duration_seconds Codec hook run time (isolated codecs: the exchange with the child)\n"
         "# TYPE exproto_hook_duration_seconds histogram\n";
  m.hook_seconds.render(out, "exproto_hook_duration_seconds");
  out += "# HELP exproto_adapter_call_duration_seconds ConnectionAdapter call time, from the host's call to the answer\n"
         "# TYPE exproto_adapter_call_duration_seconds histogram\n";
  m.adapter_call_seconds.render(out, "exproto_adapter_call_duration_seconds");
}

}  // namespace

std::string Metrics::render_prometheus() const {
  std::string out;
  counter(out, "events_received_total", "Events received from EMQX", events_received.get());
  counter(out, "sessions_opened_total", "Sessions opened", sessions_opened.get());
  counter(out, "sessions_closed_total", "Sessions closed", sessions_closed.get());
  gauge(out, "sessions_active", "Sessions alive", sessions_active.get());
  counter(out, "unrouted_conns_total", "Connections closed because no route matched", unrouted_conns.get());
  counter(out, "unknown_conn_events_total", "Events for unknown conns", unknown_conn_events.get());
  counter(out, "late_events_total", "Events after a conn closed", late_events.get());
  counter(out, "held_events_total", "Streaming events held for their OnSocketCreated", held_events.get());
  counter(out, "held_events_expired_total", "Held events whose OnSocketCreated never came",
          held_events_expired.get());
  counter(out, "codec_failures_total", "Codec hooks that failed (connection closed)", codec_failures.get());
  counter(out, "codec_refused_calls_total", "Host calls refused to a codec", codec_refused_calls.get());
  counter(out, "adapter_calls_total", "ConnectionAdapter calls made", adapter_calls.get());
  counter(out, "adapter_call_failures_total", "ConnectionAdapter transport failures and deadlines",
          adapter_call_failures.get());
  counter(out, "adapter_results_not_success_total", "ConnectionAdapter answers other than SUCCESS",
          adapter_results_not_success.get());
  counter(out, "conn_process_gone_total", "Sessions ended by CONN_PROCESS_NOT_ALIVE", conn_process_gone.get());
  counter(out, "backpressure_waits_total", "Answers to EMQX delayed by back-pressure", backpressure_waits.get());
  counter(out, "timers_fired_total", "Host timers fired", timers_fired.get());
  counter(out, "codec_loads_total", "Codec generations loaded", codec_loads.get());
  counter(out, "codec_load_failures_total", "Codec reloads that failed (old generation kept)",
          codec_load_failures.get());
  counter(out, "codec_unloads_total", "Codec generations unloaded (verified)", codec_unloads.get());
  counter(out, "codec_unload_leaks_total", "Codec generations released but still mapped", codec_unload_leaks.get());
  counter(out, "sessions_migrated_total", "Sessions moved to a new codec generation", sessions_migrated.get());
  counter(out, "migrate_failures_total", "Session migrations that failed (session kept its generation)",
          migrate_failures.get());
  counter(out, "sessions_restarted_total", "Sessions closed by a codec reload", sessions_restarted.get());
  counter(out, "events_refused_total", "Events refused at the host memory budget (connection closed)",
          events_refused.get());
  counter(out, "held_events_evicted_total", "Held streaming events given up early for newer conns",
          held_events_evicted.get());
  counter(out, "sessions_replaced_total", "Stale sessions replaced by a new OnSocketCreated for their conn",
          sessions_replaced.get());
  counter(out, "probes_sent_total", "Liveness probes sent for idle sessions", probes_sent.get());
  counter(out, "sessions_swept_total", "Sessions ended because EMQX no longer had their conn", sessions_swept.get());
  counter(out, "adapter_calls_dropped_total", "Calls of finished sessions dropped unsent", adapter_calls_dropped.get());
  counter(out, "adapter_calls_failed_fast_total", "Calls failed at once while EMQX was unreachable",
          adapter_calls_failed_fast.get());
  counter(out, "adapter_recoveries_total", "Times the ConnectionAdapter became reachable again",
          adapter_recoveries.get());
  gauge(out, "adapter_ready", "1 while a ConnectionAdapter address is reachable", adapter_ready.get());
  gauge(out, "queued_bytes", "Bytes waiting in the host's queues", queued_bytes.get());
  gauge(out, "reload_landing_to_serving_microseconds",
        "Last codec reload: from the file landing (or the reload request) to the new generation serving",
        reload_landing_to_serving_us.get());
  gauge(out, "reload_migration_microseconds",
        "Last codec reload: from the new generation serving to the last session migrated", reload_migration_us.get());
  gauge(out, "plugin_watcher_running", "1 while the plugins folder is watched (plugins.watch)",
        plugin_watcher_running.get());
  gauge(out, "recently_closed", "Conns remembered as recently closed", recently_closed.get());
  counter(out, "log_lines_suppressed_total", "Log lines over their kind's rate limit", log_lines_suppressed.get());
  counter(out, "hook_overruns_total", "Codec hooks that ran past sessions.hook_timeout_ms", hook_overruns.get());
  counter(out, "pool_workers_added_total", "Workers added to replace ones held by an overrunning hook",
          pool_workers_added.get());
  gauge(out, "pool_workers_stuck", "Workers inside an overrunning hook now", pool_workers_stuck.get());
  counter(out, "isolated_child_crashes_total", "Codec-runner children that died on their own",
          isolated_child_crashes.get());
  counter(out, "isolated_hook_timeouts_total", "Codec-runner children killed for a hook past sessions.hook_timeout_ms",
          isolated_hook_timeouts.get());
  counter(out, "isolated_child_restarts_total", "Codec-runner children restarted after one died",
          isolated_child_restarts.get());
  counter(out, "isolated_rollbacks_total", "Reloaded generations rolled back because their children kept dying",
          isolated_rollbacks.get());
  counter(out, "isolated_queued_hooks_total",
          "Hooks of an isolated session that went to its child in one exchange with the hook before them",
          isolated_queued_hooks.get());
  counter(out, "handler_peers_refused_total", "Handler calls refused: peer address not in handler.allow_peers",
          handler_peers_refused.get());
  counter(out, "handler_calls_over_limit_total", "Handler calls refused past handler.max_calls_per_peer",
          handler_calls_over_limit.get());
  counter(out, "handler_requests_refused_total",
          "Handler requests refused by the edge checks (conn id, enum value, size caps)",
          handler_requests_refused.get());
  counter(out, "tls_file_problems_total", "Bad handler.tls file sets seen while serving (last good pair kept)",
          tls_file_problems.get());
  if (tls_cert_expiry_known.load(std::memory_order_relaxed)) {
    out += fmt::format("# HELP exproto_tls_cert_expiry_seconds Seconds until the handler.tls certificate expires\n"
                       "# TYPE exproto_tls_cert_expiry_seconds gauge\nexproto_tls_cert_expiry_seconds {}\n",
                       tls_cert_expiry_seconds.get());
  }
  render_labeled(out, *this);
  return out;
}

}  // namespace exproto::host
