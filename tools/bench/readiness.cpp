#include "readiness.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>

namespace exproto::bench {

bool wait_until_serving(const std::string& address, double seconds, const std::function<bool()>& still_alive) {
  using Clock = std::chrono::system_clock;
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  while (Clock::now() < deadline) {
    if (!still_alive()) return false;
    // short probes so a crashed process is noticed quickly instead of at the deadline
    if (channel->WaitForConnected(std::min(deadline, Clock::now() + std::chrono::milliseconds(200)))) return true;
  }
  return false;
}

}  // namespace exproto::bench
