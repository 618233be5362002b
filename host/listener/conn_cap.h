// A listener's cap on what it serves at once: open TCP/TLS connections
// (routes[].listener.max_connections) or UDP peers (routes[].listener.max_peers). One cap is
// shared by the listener's acceptors or sockets on every shard, so the count is atomic; a place
// is a Slot, taken by the listener before it builds a conn and handed to that conn, which gives
// it back when it is destroyed (whatever way it ended, even a TLS handshake that never finished).
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>

namespace exproto::host {

class ConnCap {
 public:
  // `max` 0: no cap (try_take always succeeds, nothing is counted).
  explicit ConnCap(std::size_t max) : max_(max) {}
  ConnCap(const ConnCap&) = delete;
  ConnCap& operator=(const ConnCap&) = delete;

  // One place. Move-only; an empty Slot (default, or moved from) holds nothing.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& o) noexcept : cap_(o.cap_) { o.cap_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { release(); }

   private:
    friend class ConnCap;
    explicit Slot(ConnCap* cap) : cap_(cap) {}
    void release();
    ConnCap* cap_ = nullptr;  // the cap outlives its slots: conns hold the DeviceLimits that own it
  };

  // A place, or nullopt when `max` are taken. Any thread.
  std::optional<Slot> try_take();
  std::size_t max() const { return max_; }
  std::size_t taken() const { return taken_.load(std::memory_order_relaxed); }

 private:
  const std::size_t max_;
  std::atomic<std::size_t> taken_{0};
};

}  // namespace exproto::host
