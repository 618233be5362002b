// Compare mode: baseline handler and exproto-host, each started fresh, benchmarked in
// alternating rounds (B H B H ...) so that machine noise lands on both. Host-only mode runs the
// same fresh-host rounds without the baseline. Isolation compare runs the host twice per round,
// its route in process ("host") and isolated in a codec-runner child ("isolated"). Native compare
// runs the host in exproto mode ("exproto") and in native mode with a real broker ("native").
// Build compare runs two exproto-host executables in turn ("host", then "other"): one change's
// effect measured as a ratio in one run, with the machine's noise on both.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <vector>

#include "adapter_server.h"
#include "load_driver.h"
#include "load_result.h"

namespace exproto::bench {

struct CompareSettings {
  LoadSettings load;  // handler_address, handler_pid and run_tag are set per round
  int rounds = 3;
  bool host_only = false;  // no baseline: rounds of the host alone (protocols the baseline does not speak)
  bool isolate = false;    // the host's route runs in a codec-runner child
  bool compare_isolation = false;  // no baseline: rounds of the host in process, then isolated
  // Native mode: the host owns the device listener, the bench's devices connect to it over TCP
  // and a fresh mosquitto (broker_bin) is the broker. native: rounds of that alone ("native");
  // compare_native: exproto-mode rounds ("exproto") alternating with native ones.
  bool native = false;
  bool compare_native = false;
  std::filesystem::path broker_bin = "/usr/sbin/mosquitto";
  std::size_t device_threads = 1;  // epoll loops of the native devices
  std::filesystem::path host_bin;
  std::filesystem::path other_host_bin;  // not empty: no baseline, rounds of host_bin and this build
  std::filesystem::path baseline_bin;
  std::filesystem::path plugins_dir;
  bool plugins_dir_given = false;
  std::optional<std::filesystem::path> host_config;  // base config for the host (tuning keys)
  // >= 0 (host rounds only): replace the codec file this far into each window; the host then runs
  // from a private copy of its plugins folder. reload_file empty: a rebuild of the same codec.
  double reload_at_seconds = -1;
  std::filesystem::path reload_file;
  double ready_timeout_seconds = 20;
};

// Runs all rounds; progress lines go to `progress`. Throws std::runtime_error (with the
// handler's last log lines) when a handler does not start or dies.
std::vector<LoadResult> run_compare(const CompareSettings& settings, AdapterServer& adapter, std::ostream& progress);

}  // namespace exproto::bench
