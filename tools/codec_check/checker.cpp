#include "checker.h"

#include <algorithm>
#include <fmt/format.h>

namespace codec_check {
namespace {

constexpr const char* kLevelNames[] = {"trace", "debug", "info", "warn", "error"};

std::string level_name(std::int32_t level) {
  return level >= 0 && level <= EXPROTO_LOG_ERROR ? kLevelNames[level] : "level " + std::to_string(level);
}

}  // namespace

Checker::Checker(std::mt19937_64& rng) : rng_(rng) {}

SessionSlot& Checker::add_slot(std::string conn) {
  auto& slot = slots_.emplace_back();
  slot.checker = this;
  slot.conn = std::move(conn);
  return slot;
}

Checker::Scope::Scope(Checker& checker, SessionSlot* slot, const char* hook)
    : checker_(checker), prev_slot_(checker.current_), prev_hook_(checker.hook_) {
  checker_.current_ = slot;
  checker_.hook_ = hook;
}

Checker::Scope::~Scope() {
  checker_.current_ = prev_slot_;
  checker_.hook_ = prev_hook_;
}

bool Checker::admit(const SessionSlot& slot, const char* fn, bool is_log) {
  const std::string f(fn);
  if (std::this_thread::get_id() != thread_) {
    violation(f + " from a thread that runs no hook",
              fmt::format("{} on session {} from a thread the codec started (only the hook's thread may call it)",
                          fn, slot.conn));
    return false;
  }
  if (slot.state == SlotState::closed) {
    violation(f + " after on_session_close",
              fmt::format("{} on session {} after its on_session_close, during {}", fn, slot.conn, current_hook()));
    return false;
  }
  if (slot.state == SlotState::open_failed) {
    violation(f + " on a session whose open failed",
              fmt::format("{} on session {} whose on_session_open failed, during {}", fn, slot.conn,
                          current_hook()));
    return false;
  }
  if (current_ == nullptr) {
    violation(f + " outside the session's hooks",
              fmt::format("{} on session {} during {}", fn, slot.conn, current_hook()));
    return false;
  }
  if (current_ != &slot) {
    violation(f + " with another session's handle",
              fmt::format("{} on session {} inside {} of session {}", fn, slot.conn, current_hook(),
                          current_->conn));
    return false;
  }
  if (slot.state == SlotState::closing && !is_log) {
    violation(f + " from on_session_close",
              fmt::format("{} on session {} from its on_session_close (only session_log is allowed there)", fn,
                          slot.conn));
    return false;
  }
  return true;
}

void Checker::violation(const std::string& key, const std::string& example) {
  auto& t = violations_[key];
  if (t.count++ == 0) t.example = example;
}

void Checker::warning(const std::string& key, const std::string& example) {
  auto& t = warnings_[key];
  if (t.count++ == 0) t.example = example;
}

std::uint64_t Checker::accept_call(SessionSlot& slot, const char* fn, std::int32_t kind) {
  auto& count = calls_[fn];
  ++count.made;
  // 1 in 64 calls is refused at random: the real host refuses when busy, and a codec must cope.
  const bool refuse = slot.close_requested || slot.pending.size() >= kMaxPendingCalls || rng_() % 64 == 0;
  if (refuse) {
    ++count.refused;
    return 0;
  }
  const std::uint64_t id = next_request_id_++;
  slot.pending.push_back(PendingCall{id, kind});
  if (kind == EXPROTO_CALL_CLOSE) slot.close_requested = true;
  if (kind == EXPROTO_CALL_START_KEEPALIVE) slot.keepalive_started = true;
  return id;
}

std::uint64_t Checker::start_timer(SessionSlot& slot, std::uint64_t delay_ms, std::uint64_t tag) {
  auto& count = calls_["timer_start"];
  ++count.made;
  if (slot.timers.size() >= kMaxTimers) {
    ++count.refused;
    return 0;
  }
  ++timers_started_;
  const std::uint64_t id = next_timer_id_++;
  slot.timers.push_back(PendingTimer{id, now_ms_ + delay_ms, tag});
  return id;
}

bool Checker::cancel_timer(SessionSlot& slot, std::uint64_t timer_id) {
  ++calls_["timer_cancel"].made;
  auto it = std::ranges::find(slot.timers, timer_id, &PendingTimer::id);
  if (it == slot.timers.end()) return false;
  slot.timers.erase(it);
  ++timers_cancelled_;
  return true;
}

void Checker::count_log(std::int32_t level, std::string_view text) {
  ++calls_["session_log"].made;
  ++logs_by_level_[level];
  if (level >= EXPROTO_LOG_ERROR && first_error_log_.empty()) first_error_log_.assign(text.substr(0, 200));
}

std::vector<Checker::Finding> Checker::violations() const {
  std::vector<Finding> out;
  for (const auto& [key, t] : violations_) out.push_back({key, fmt::format("{} (x{}), e.g. {}", key, t.count, t.example)});
  return out;
}

void Checker::report(Reporter& out, const std::vector<Finding>& earlier) const {
  std::string calls;
  for (const auto& [fn, c] : calls_) {
    calls += fmt::format("{}{} {}", calls.empty() ? "" : ", ", fn, c.made);
    if (c.refused != 0) calls += fmt::format(" ({} refused)", c.refused);
  }
  out.line("host calls", calls.empty() ? "none" : calls);
  out.line("sent", fmt::format("{} bytes to devices", bytes_sent_));
  out.line("timers", fmt::format("{} started, {} cancelled", timers_started_, timers_cancelled_));
  std::string logs;
  for (const auto& [level, n] : logs_by_level_) logs += fmt::format("{}{} {}", logs.empty() ? "" : ", ", level_name(level), n);
  out.line("session logs", logs.empty() ? "none" : logs);
  if (!first_error_log_.empty()) out.line("", "first error logged: " + first_error_log_);
  for (const auto& [key, t] : warnings_) out.line("warning", fmt::format("{} (x{}), e.g. {}", key, t.count, t.example));
  for (const auto& f : violations()) out.fail("contract", f.text);
  for (const auto& f : earlier) {
    if (!violations_.contains(f.key)) out.fail("contract", f.text + " (in the warm-up run)");
  }
}

}  // namespace codec_check
