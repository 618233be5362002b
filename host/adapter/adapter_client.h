// The Upstream to EMQX: calls ConnectionAdapter with gRPC's callback API over a few HTTP/2
// connections per EMQX node (EMQX's cowboy server limits concurrent streams per connection).
// It watches each node's reachability, fails over between nodes, applies the configured
// outage policy (fail at once, or hold for a while), and counts each call's deadline from when
// the codec made it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "host/adapter/in_flight_index.h"
#include "host/config/config.h"
#include "host/upstream/upstream.h"

namespace grpc {
class ChannelCredentials;
}

namespace exproto::host {

struct Metrics;

class AdapterClient final : public Upstream {
 public:
  // `credentials`: see adapter_channel_credentials() (plaintext or adapter.tls).
  AdapterClient(const AdapterConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials,
                Metrics& metrics);
  ~AdapterClient() override;  // cancels what is in flight and waits for the callbacks

  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;

  // `fn(ready, recovered)` runs on the monitor thread whenever readiness changes; `recovered` is
  // true when EMQX came back after an outage (sessions it forgot meanwhile must be swept).
  // Replacing it (e.g. with nullptr) waits for a call in progress.
  void on_readiness(std::function<void(bool ready, bool recovered)> fn);
  // Not every address is known to be unreachable (true at start, before the first connection).
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  struct AddressStatus {
    std::string address;
    std::string state;  // reachable | unreachable | unknown (not connected yet)
    int64_t since_ms = 0;  // Unix time of the last change
  };
  std::vector<AddressStatus> status() const;

  // Waits until no call is in flight or `deadline` passes; true when none is left.
  bool drain(std::chrono::steady_clock::time_point deadline);
  // Cancels in-flight calls, waits for their callbacks, and fails later calls at once.
  void shutdown();
  // Stops watching the addresses only (an exit that cannot wait for callbacks).
  void stop_monitor();

  struct Channel;
  struct Address;

 private:
  struct Pending;
  // Who waits for a call, and what its metrics need: every way out (answered, failed fast, held
  // and timed out) goes through complete(), which counts it once.
  struct Completion {
    int32_t kind = 0;
    std::chrono::steady_clock::time_point started;
    std::function<void(UpstreamResult)> done;
  };
  struct Held {
    UpstreamCall call;
    Completion done;
  };
  void complete(Completion& c, UpstreamResult r);
  // call() after the metrics' start: also where held calls go again when EMQX is back.
  void route(UpstreamCall&& c, Completion&& done);
  Address* pick();
  // No node marked reachable: one that is READY or connecting right now, if any.
  Address* probe_now(bool& connecting);
  void send(Address& address, UpstreamCall&& c, Completion&& done, bool connecting = false);
  void monitor(std::stop_token stop);
  void flush_held(bool reachable);
  void track(Pending& p);
  // Out of the index (before the call is freed), then out of the count (after: see send()).
  void forget(Pending& p);
  void untrack();
  // Cancels each call whose deadline passed, sleeping until the earliest one (see send()).
  void watch_deadlines(std::stop_token stop);

  AdapterConfig config_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Address>> addresses_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ready_{true};
  std::mutex readiness_mu_;
  std::function<void(bool, bool)> on_readiness_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::atomic<std::size_t> in_flight_{0};  // changed outside mu_; idle_ notified under it at 0
  // Every call in flight, earliest deadline first: for the deadline thread, the monitor (calls
  // waiting for a node that became unreachable) and shutdown.
  InFlightIndex calls_;
  static constexpr auto kNever = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point deadline_wake_ = kNever;  // when the deadline thread wakes next
  std::condition_variable_any deadline_cv_;  // deadline_wake_ moved earlier
  std::deque<Held> held_;                    // when_unavailable = hold, while no address is reachable
  std::jthread deadlines_;                   // last two: they run over the members above
  std::jthread monitor_;
};

}  // namespace exproto::host
