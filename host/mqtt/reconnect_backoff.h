// Paces new CONNECTs after the broker failed to answer one, shared by every connection of the
// host: after a broker restart 100 000 devices reconnect, and without pacing they would all
// CONNECT in the same instant. Full jitter ("Exponential Backoff And Jitter", AWS architecture
// blog): after n failures in a row each new CONNECT waits a random time in
// [0, min(max, min × 2^(n−1))]; a CONNACK (accepted or refused: the broker answers) resets it.
// Used from every io thread, rarely (once per CONNECT), hence the small lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace exproto::host::mqtt {

class ReconnectBackoff {
 public:
  ReconnectBackoff(std::chrono::milliseconds min, std::chrono::milliseconds max, uint64_t seed);

  // How long the next CONNECT waits: zero while the broker answers.
  std::chrono::milliseconds next_delay();
  void failed();
  void answered();
  uint32_t failures() const;

 private:
  const std::chrono::milliseconds min_;
  const std::chrono::milliseconds max_;
  mutable std::mutex mutex_;
  uint32_t failures_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace exproto::host::mqtt
