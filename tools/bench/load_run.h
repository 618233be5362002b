// The simulated devices of one load run: their per-conn state machines (EMQX's unary client
// rules: one handler RPC in flight per conn, FIFO) and what they measured.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "adapter_server.h"
#include "device_run.h"
#include "load_driver.h"
#include "load_result.h"

namespace exproto::bench {

class LoadRun final : public AdapterSink, public DeviceRun {
 public:
  explicit LoadRun(const LoadSettings& settings);  // opens the channels; sends nothing yet
  ~LoadRun() override;
  LoadRun(const LoadRun&) = delete;
  LoadRun& operator=(const LoadRun&) = delete;

  void start_all() override;         // every conn: OnSocketCreated, CONNECT, then PUBLISH frames
  void set_measuring(bool on) override;
  void schedule(std::chrono::steady_clock::time_point when) override;
  uint64_t scheduled() const override;
  void stop() override;
  void force() override;             // close even conns still waiting for PUBACKs
  void cancel_all() override;        // cancel in-flight RPCs (the handler stopped answering)

  std::size_t connected() const override;  // got CONNACK
  std::size_t settled() const override;
  std::size_t closed() const override;     // OnSocketClosed answered
  int in_flight() const override;          // RPCs in flight; must be 0 before the run is destroyed
  uint64_t acks() const override;          // PUBACKs so far
  void fill(LoadResult& result) const override;

  void on_send(std::string_view conn, std::string_view bytes) override;
  void on_close(std::string_view conn) override;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace exproto::bench
