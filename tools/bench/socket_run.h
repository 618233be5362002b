// Native mode's simulated devices: real TCP sockets into exproto-host's device listener(s), each
// logging in with the protocol's login bytes and then sending report frames, a frame counting
// when its acknowledgement (jsonframe PUBACK, jt808 0x8001) arrives on the device's socket.
// The sockets live on `threads` epoll loops of their own; the measuring thread only sends them
// commands (open, schedule, stop), so the same phases as the gRPC devices apply (measure_run).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "device_run.h"
#include "load_driver.h"

namespace exproto::bench {

struct SocketTargets {
  std::vector<uint16_t> host_ports;  // 127.0.0.1 ports; device i connects to host_ports[i % size]
  std::size_t threads = 1;           // epoll loops; device i lives on loop i % threads
  bool report = true;                // false: devices log in and stay idle (scale measurements)
};

class SocketRun final : public DeviceRun {
 public:
  SocketRun(const LoadSettings& settings, SocketTargets targets);  // starts the loops; opens nothing yet
  ~SocketRun() override;  // closes every socket, joins the loops
  SocketRun(const SocketRun&) = delete;
  SocketRun& operator=(const SocketRun&) = delete;

  // `count` more devices (numbered on from the last call) connect at once and log in.
  void open(std::size_t count);
  std::size_t opened() const;
  // When the latest login acknowledgement arrived; nullopt before the first.
  std::optional<std::chrono::steady_clock::time_point> last_login() const;
  std::size_t open_sockets() const;
  // Socket opened -> login acknowledged, over every device that logged in (microseconds).
  double login_quantile_us(double q) const;
  // Socket opened -> connected (the kernel completed the handshake with the host's listener).
  double tcp_connect_quantile_us(double q) const;

  void start_all() override;  // open(settings.conns)
  void set_measuring(bool on) override;
  void schedule(std::chrono::steady_clock::time_point when) override;
  uint64_t scheduled() const override;
  void stop() override;
  void force() override;
  void cancel_all() override;  // closes every socket at once
  std::size_t connected() const override;
  std::size_t settled() const override;
  std::size_t closed() const override;
  int in_flight() const override;  // sockets still open
  uint64_t acks() const override;
  void fill(LoadResult& result) const override;

 private:
  struct Shared;
  class Loop;
  std::unique_ptr<Shared> shared_;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::size_t opened_ = 0;
  std::size_t next_conn_ = 0;  // open loop: who gets the next due frame (measuring thread only)
};

}  // namespace exproto::bench
