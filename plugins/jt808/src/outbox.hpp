// Downlinks to one terminal: the in-flight table, the waiting queue, matching of terminal answers
// (EMQX's ack table, notes §11) and retransmission on a host timer per in-flight message (same
// frames, same msg_sn) until the terminal answers or the tries are used up.
#pragma once

#include "config.hpp"
#include "wire.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <list>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

namespace jt808 {

/// What the outbox needs from its session.
struct OutboxPort {
  std::function<void(const Bytes&)> send;                     // one framed package
  std::function<std::uint64_t(std::uint64_t tag)> start_timer;  // retry_interval_ms; returns timer id
  std::function<void(std::uint64_t timer_id)> cancel_timer;
  std::function<void(const std::string&)> log;                // info-level events (given up, dropped)
};

/// A downlink ready to go: all its packages framed.
struct OutgoingMessage {
  std::uint16_t msg_id = 0;
  std::vector<std::uint16_t> sns;  // msg_sn of each package, in order
  std::vector<Bytes> frames;       // framed packages
};

struct OutboxCounters {
  std::uint64_t sent = 0, retransmitted = 0, acked = 0, given_up = 0, dropped = 0;
  std::uint64_t resent = 0;  // packages sent again on a terminal's request (0x0005)
};

class Outbox {
 public:
  Outbox(const Config& config, OutboxPort port) : config_(config), port_(std::move(port)) {}

  /// True for downlinks no terminal message answers (sent once, never retried).
  static bool unacknowledged(std::uint16_t msg_id);

  /// Sends it now if a slot is free, queues it otherwise; false when dropped (queue full).
  bool submit(OutgoingMessage msg);
  /// A terminal general response 0x0001 (id, seq).
  void general_response(std::uint16_t id, std::uint16_t seq);
  /// Another terminal message that answers a downlink (0x0104, 0x0201, …); `seq` is its reply
  /// serial when it has one.
  void answer(std::uint16_t msg_id, std::optional<std::uint16_t> seq);
  /// A terminal's 0x0005: sends the named packages (1-based) of the in-flight downlink whose first
  /// package has msg_sn `first_sn` again, unchanged. False when no such downlink is in flight (one
  /// already answered or given up is no longer kept).
  bool resend(std::uint16_t first_sn, const std::vector<std::uint16_t>& packages);
  /// A retry timer fired; `key` is the tag's payload.
  void on_timer(std::uint64_t key);
  /// True while a downlink of `msg_id` waits for its answer.
  bool in_flight(std::uint16_t msg_id) const;
  /// The msg_sn of every package of the downlinks in flight or queued, sorted ascending (unique):
  /// the numbers a new message must not take (serials.hpp).
  std::vector<std::uint16_t> serials_in_use() const;

  std::size_t inflight_count() const { return inflight_.size(); }
  std::size_t queued_count() const { return queue_.size(); }
  const OutboxCounters& counters() const { return counters_; }
  /// Hot reload (session_migration.cpp): this part of a session's state, and back. restore()
  /// expects a fresh object and throws on a state it cannot read.
  nlohmann::json snapshot() const;
  void restore(const nlohmann::json& state);

  static constexpr std::uint64_t kTagKind = 1ull << 56;  // tag = kTagKind | key

 private:
  struct Entry {
    std::uint64_t key = 0;
    OutgoingMessage msg;
    std::vector<bool> acked;
    std::uint32_t retries_left = 0;
    std::uint64_t timer_id = 0;
  };

  void start(OutgoingMessage msg);
  void finish(std::list<Entry>::iterator it);
  void promote();

  const Config& config_;
  OutboxPort port_;
  std::list<Entry> inflight_;
  std::list<OutgoingMessage> queue_;  // a list: an empty std::deque allocates ~600 bytes
  std::uint64_t next_key_ = 1;
  OutboxCounters counters_;
};

}  // namespace jt808
