// One device connection through the fake host (see fake_host.h).
#pragma once

#include "fake_host.h"

#include <deque>
#include <string>
#include <utility>

namespace codectest {

/// One device connection. Opens on construction, closes (on_session_close) on destruction.
class FakeSession {
 public:
  explicit FakeSession(const CodecInstance& codec, std::string conn = "conn-1",
                       exproto_type_socktype socktype = EXPROTO_SOCK_TCP);
  ~FakeSession();
  FakeSession(const FakeSession&) = delete;
  FakeSession& operator=(const FakeSession&) = delete;

  // Events delivered to the codec; each returns the hook's status.
  exproto_type_status bytes(std::string_view data);
  exproto_type_status messages(const std::vector<Delivery>& deliveries);
  exproto_type_status keepalive_timeout();
  /// Delivers the result of the oldest call still waiting for one.
  exproto_type_status resolve_next(std::int32_t code = EXPROTO_RESULT_SUCCESS, std::string_view message = "");
  /// Resolves every waiting call (including calls made while resolving) with SUCCESS, except
  /// calls of `failing` which get `code`. Stops at the first non-OK status and returns it.
  exproto_type_status resolve_all(std::optional<CallKind> failing = std::nullopt,
                                  std::int32_t code = EXPROTO_RESULT_PERMISSION_DENY,
                                  std::string_view message = "");
  /// Fires an active timer (it becomes inactive first, as a real one-shot timer).
  exproto_type_status fire(std::uint64_t timer_id);
  /// Active timers in start order.
  std::vector<Timer> active_timers() const;
  void close(std::string_view reason = "{shutdown,tcp_closed}");
  bool is_open() const { return open_; }

  // Hot reload, as the host does it between two events. Waiting calls, timers and recorded calls
  // belong to this (host-side) session and stay with it.
  /// on_session_export of the current codec: the status and the bytes written.
  std::pair<exproto_type_status, std::string> export_state();
  /// on_session_import of `next` from `state`; on OK the old codec's session is closed with
  /// "host:migrated" and later events go to `next`. On failure nothing changes.
  exproto_type_status import_into(const CodecInstance& next, std::string_view state);
  /// export_state, then import_into `next`; the first non-OK status.
  exproto_type_status migrate_to(const CodecInstance& next);

  /// Bytes sent since the last call, concatenated.
  std::string take_sent();
  /// Calls of one kind, in order.
  std::vector<Call> calls_of(CallKind kind) const;
  std::size_t waiting() const { return waiting_.size(); }
  bool close_requested() const { return !calls_of(CallKind::close).empty(); }
  bool logged(std::string_view fragment) const;

  // Used by the host API functions.
  FakeHost& host() const { return codec_->library().host(); }
  std::uint64_t record(Call call);
  void log(std::int32_t level, std::string_view text) { logs.push_back({level, std::string(text)}); }
  std::uint64_t timer_start(std::uint64_t delay_ms, std::uint64_t tag);
  bool timer_cancel(std::uint64_t timer_id);

  std::vector<Call> calls;
  std::vector<LogLine> logs;
  std::vector<Timer> timers;
  bool refuse_calls = false;  // the host refuses every call that reaches EMQX (returns 0)

 private:
  struct Waiting {
    std::uint64_t id;
    CallKind kind;
  };

  exproto_type_conninfo conninfo() const;

  const CodecInstance* codec_;
  const exproto_codec_descriptor* d_;
  std::string conn_;
  exproto_type_socktype socktype_;
  exproto_type_session_codec_ptr state_ = nullptr;
  bool open_ = false;
  std::deque<Waiting> waiting_;
  std::size_t sent_seen_ = 0;
};

}  // namespace codectest
