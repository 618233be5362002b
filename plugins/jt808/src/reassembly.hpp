// Sub-package reassembly for one connection. Packages of one message are keyed by (msg_id,
// msg_sn of the first package, total), the first package's msg_sn being msg_sn - (seq - 1) modulo
// 65536 (packages carry consecutive serial numbers). Bounded by number of incomplete messages and
// their bytes; the session expires incomplete ones with a host timer.
#pragma once

#include "config.hpp"
#include "header.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

namespace jt808 {

class Reassembler {
 public:
  explicit Reassembler(const SubpackageConfig& config) : config_(config) {}

  struct Outcome {
    enum class Kind {
      incomplete,  // stored; `set_id` names the set (new when `started`)
      complete,    // `header` (the first package's, without package item) and `body` are whole
      invalid,     // package item makes no sense (total 0, seq 0 or seq > total)
      over_limit,  // too many sets or bytes: the package (and its set) were dropped
    } kind = Kind::incomplete;
    std::uint64_t set_id = 0;
    bool started = false;
    std::uint64_t timer_id = 0;  // complete/over_limit: the set's timer, to cancel (0 = none)
    Header header;
    Bytes body;
  };

  Outcome add(const Header& h, std::span<const std::uint8_t> body);
  /// Remembers the expiry timer of a set.
  void set_timer(std::uint64_t set_id, std::uint64_t timer_id);

  struct Expired {
    Header first;                         // header of the set (msg_sn = first package's)
    std::vector<std::uint16_t> missing;   // package numbers not received
  };
  /// Drops an incomplete set whose timer fired; nullopt when it completed meanwhile.
  std::optional<Expired> expire(std::uint64_t set_id);

  std::size_t sets() const { return sets_.size(); }
  std::size_t bytes() const { return bytes_; }
  /// Hot reload (session_migration.cpp): this part of a session's state, and back. restore()
  /// expects a fresh object and throws on a state it cannot read.
  nlohmann::json snapshot() const;
  void restore(const nlohmann::json& state);

 private:
  struct Set {
    std::uint64_t id = 0;
    std::uint64_t timer_id = 0;
    Header first;
    std::map<std::uint16_t, Bytes> parts;  // package number -> body
    std::size_t bytes = 0;
  };
  using Key = std::tuple<std::uint16_t, std::uint16_t, std::uint16_t>;  // msg_id, first msg_sn, total

  void drop(std::map<Key, Set>::iterator it);

  const SubpackageConfig& config_;
  std::map<Key, Set> sets_;
  std::size_t bytes_ = 0;
  std::uint64_t next_id_ = 1;
};

}  // namespace jt808
