// The simulated devices of one load run: their per-conn state machines (EMQX's unary client
// rules: one handler RPC in flight per conn, FIFO) and what they measured.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "adapter_server.h"
#include "load_driver.h"
#include "load_result.h"

namespace exproto::bench {

class LoadRun final : public AdapterSink {
 public:
  explicit LoadRun(const LoadSettings& settings);  // opens the channels; sends nothing yet
  ~LoadRun() override;
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  void start_all();                 // every conn: OnSocketCreated, CONNECT, then PUBLISH frames
  void set_measuring(bool on);      // latencies are recorded only while on
  // Open loop (LoadSettings::rate > 0): one more frame is due at `when`, for the next conn in turn.
  void schedule(std::chrono::steady_clock::time_point when);
  uint64_t scheduled() const;       // frames scheduled so far
  void stop();                      // no new frames; each conn closes once its frames are acked
  void force();                     // close even conns still waiting for PUBACKs
  void cancel_all();                // cancel in-flight RPCs (the handler stopped answering)

  std::size_t connected() const;    // got CONNACK
  std::size_t settled() const;      // connected or given up
  std::size_t closed() const;       // OnSocketClosed answered
  int rpcs_in_flight() const;       // must be 0 before the run is destroyed
  uint64_t acks() const;            // PUBACKs so far
  void fill(LoadResult& result) const;  // latencies and error counts

  void on_send(std::string_view conn, std::string_view bytes) override;
  void on_close(std::string_view conn) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::bench
