// The state behind the checking host table: which session's hook runs now and on which thread,
// the calls and timers each session has pending, and every contract violation seen. The host
// functions (checking_host_api.cpp) reach it through the session handle, which is a SessionSlot.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "reporter.h"
#include "session_slot.h"

namespace codec_check {

class Checker {
 public:
  explicit Checker(std::mt19937_64& rng);
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // A new session record; its address is the handle given to the codec and stays valid until the
  // checker is destroyed.
  SessionSlot& add_slot(std::string conn);

  // Marks the hook running now (and the session it belongs to; nullptr for codec-level hooks) for
  // the lifetime of the returned guard.
  class Scope {
   public:
    Scope(Checker& checker, SessionSlot* slot, const char* hook);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Checker& checker_;
    SessionSlot* prev_slot_;
    const char* prev_hook_;
  };

  // The virtual clock host timers run on: the lifecycle advances it, so timers of minutes fire at once.
  std::uint64_t now_ms() const { return now_ms_; }
  void advance_to(std::uint64_t ms) { now_ms_ = std::max(now_ms_, ms); }

  // ---- used by the host functions ----
  // True when `fn` may act on `slot` now; otherwise records why not and returns false.
  bool admit(const SessionSlot& slot, const char* fn, bool is_log = false);
  // A broken contract: fails the check. `key` groups repeats; `example` is the first occurrence.
  void violation(const std::string& key, const std::string& example);
  // Questionable but allowed (reported, does not fail).
  void warning(const std::string& key, const std::string& example);
  // A call that reaches EMQX: returns its request id, or 0 when this host refuses it the way the
  // real one may (session closing, too many pending, or at random to exercise the codec's handling).
  std::uint64_t accept_call(SessionSlot& slot, const char* fn, std::int32_t kind);
  std::uint64_t start_timer(SessionSlot& slot, std::uint64_t delay_ms, std::uint64_t tag);
  bool cancel_timer(SessionSlot& slot, std::uint64_t timer_id);
  void count_log(std::int32_t level, std::string_view text);
  void count_bytes_sent(std::size_t n) { bytes_sent_ += n; }
  const char* current_hook() const { return hook_ != nullptr ? hook_ : "no hook"; }

  // One broken contract, as reported: `key` groups repeats, `text` is the report line.
  struct Finding {
    std::string key;
    std::string text;
  };
  std::vector<Finding> violations() const;
  // Statistics, warnings and violations; plus those of `earlier` (a previous run's) not seen here.
  void report(Reporter& out, const std::vector<Finding>& earlier) const;

  static constexpr std::size_t kMaxPendingCalls = 1024;  // the host's default sessions.max_pending_calls
  static constexpr std::size_t kMaxTimers = 64;          // the host's default sessions.max_timers

 private:
  struct Tally {
    std::uint64_t count = 0;
    std::string example;
  };
  struct CallCount {
    std::uint64_t made = 0;
    std::uint64_t refused = 0;
  };

  std::mt19937_64& rng_;
  std::thread::id thread_ = std::this_thread::get_id();  // hooks run only on the thread that made the checker
  std::deque<SessionSlot> slots_;                       // deque: addresses stay put as it grows
  SessionSlot* current_ = nullptr;
  const char* hook_ = nullptr;
  std::uint64_t now_ms_ = 0;
  std::uint64_t next_request_id_ = 1;
  std::uint64_t next_timer_id_ = 1;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t timers_started_ = 0;
  std::uint64_t timers_cancelled_ = 0;
  std::map<std::string, Tally> violations_;
  std::map<std::string, Tally> warnings_;
  std::map<std::string, CallCount> calls_;
  std::map<std::int32_t, std::uint64_t> logs_by_level_;
  std::string first_error_log_;
};

}  // namespace codec_check
