// The Upstream to EMQX: calls ConnectionAdapter with gRPC's callback API over a few HTTP/2
// connections (EMQX's cowboy server limits concurrent streams per connection).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "host/config/config.h"

namespace grpc {
class ChannelCredentials;
}
#include "host/upstream/upstream.h"

namespace exproto::host {

class AdapterClient final : public Upstream {
 public:
  // `credentials`: see adapter_channel_credentials() (plaintext or adapter.tls).
  AdapterClient(const AdapterConfig& config, std::shared_ptr<grpc::ChannelCredentials> credentials);
  ~AdapterClient() override;  // cancels what is in flight and waits for the callbacks

  void call(UpstreamCall c, std::function<void(UpstreamResult)> done) override;

  // Cancels in-flight calls, waits for their callbacks, and fails later calls at once.
  void shutdown();

  struct Channel;

 private:
  AdapterConfig config_;
  std::vector<std::unique_ptr<Channel>> channels_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable idle_;
  std::size_t in_flight_ = 0;
  struct Pending;
  std::vector<std::weak_ptr<Pending>> pending_;  // for cancellation at shutdown
  void track(const std::shared_ptr<Pending>& p);
  void untrack();
};

}  // namespace exproto::host
