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
  void route(UpstreamCall c, Completion done);
  Address* pick();
  // No node marked reachable: one that is READY or connecting right now, if any.
  Address* probe_now(bool& connecting);
  void send(Address& address, UpstreamCall c, Completion done, bool connecting = false);
  void monitor(std::stop_token stop);
  void flush_held(bool reachable);
  void track(const std::shared_ptr<Pending>& p);
  void untrack();

  AdapterConfig config_;
  Metrics& metrics_;
  std::vector<std::unique_ptr<Address>> addresses_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ready_{true};
  std::mutex readiness_mu_;
  std::function<void(bool, bool)> on_readiness_;
  std::mutex mu_;
  std::condition_variable idle_;
  std::size_t in_flight_ = 0;
  std::vector<std::weak_ptr<Pending>> pending_;  // for cancellation at shutdown
  std::deque<Held> held_;                        // when_unavailable = hold, while no address is reachable
  std::jthread monitor_;                         // last: runs over the members above
};

}  // namespace exproto::host
