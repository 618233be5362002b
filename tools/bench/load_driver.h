// Plays EMQX's ExProto gateway against a ConnectionUnaryHandler at full speed and measures it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "adapter_server.h"
#include "device_run.h"
#include "load_result.h"

namespace exproto::bench {

struct LoadSettings {
  std::string handler_address;    // host:port of the handler under test
  std::string protocol = "jsonframe";  // what the devices speak: jsonframe | jt808
  std::size_t conns = 100;
  uint32_t listener_port = 7993;  // ConnInfo.sockname.port, what the handler routes on
  std::size_t payload_bytes = 64;
  std::size_t pipeline = 1;       // PUBLISH frames outstanding (sent, not yet PUBACKed) per conn
  double warmup_seconds = 2;
  double seconds = 10;
  std::size_t channels = 4;       // HTTP/2 connections to the handler (EMQX uses one per scheduler)
  uint32_t run_tag = 0;           // part of every conn id, so late calls of an earlier run are ignored
  pid_t handler_pid = 0;          // > 0: also measure that process's CPU over the window
  pid_t broker_pid = 0;           // > 0 (native mode): the MQTT broker's CPU, reported apart from the host's
  double timeline_step_seconds = 1;  // the window is also recorded as acks per step
  double reload_at_seconds = -1;     // >= 0: on_reload is called this far into the window
  std::function<void()> on_reload;   // must not throw: conns are in flight while it runs
  double connect_timeout_seconds = 10;
  double drain_timeout_seconds = 5;
  // > 0: open loop at this many frames/s over all conns (EMQX's pace), each frame scheduled at a
  // fixed time and its latency measured from that time, so a stall cannot hide (no coordinated
  // omission); a conn still sends one frame at a time, later ones wait their turn. 0: closed loop.
  double rate = 0;
};

// Opens settings.conns conns (OnSocketCreated, CONNECT, wait CONNACK), publishes for the warm-up
// and the measured window, then drains and sends OnSocketClosed. `adapter` must be the server
// the handler calls; the run attaches to it for its duration.
LoadResult run_load(const LoadSettings& settings, AdapterServer& adapter);

// The phases of any run: wait for the logins, warm-up, the measured window (CPU of the bench, the
// handler and the broker, context switches, timeline), then stop and drain until every device is
// closed. `adapter_counts` samples the adapter calls the handler made (empty: there is no adapter).
LoadResult measure_run(const LoadSettings& settings, DeviceRun& run, const std::function<AdapterCounts()>& adapter_counts);

}  // namespace exproto::bench
