// What the measuring loop (load_driver.cpp) needs from a set of simulated devices, whatever they
// talk to: EMQX's gRPC calls into a handler (LoadRun) or real TCP sockets into the host's native
// listener (SocketRun). Every method may be called from the measuring thread while the devices
// run on their own threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "load_result.h"

namespace exproto::bench {

class DeviceRun {
 public:
  virtual ~DeviceRun() = default;

  virtual void start_all() = 0;             // every device: open, log in, then report frames
  virtual void set_measuring(bool on) = 0;  // latencies are recorded only while on
  // Open loop (LoadSettings::rate > 0): one more frame is due at `when`, for the next device in turn.
  virtual void schedule(std::chrono::steady_clock::time_point when) = 0;
  virtual uint64_t scheduled() const = 0;   // frames scheduled so far
  virtual void stop() = 0;                  // no new frames; each device closes once its frames are acked
  virtual void force() = 0;                 // close even devices still waiting for acknowledgements
  virtual void cancel_all() = 0;            // abandon whatever is still in flight

  virtual std::size_t connected() const = 0;  // logged in
  virtual std::size_t settled() const = 0;    // logged in or given up
  virtual std::size_t closed() const = 0;     // closed by the bench
  virtual int in_flight() const = 0;          // operations that still call back; 0 before destruction
  virtual uint64_t acks() const = 0;          // report acknowledgements so far
  virtual void fill(LoadResult& result) const = 0;  // latencies and error counts
};

}  // namespace exproto::bench
