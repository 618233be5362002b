// A copy of tests/codecs/fake_host with what the jt808 tests need on top: host timers (recorded,
// fired on demand), a constructor from an entry function (the fuzzer links the codec statically),
// and no dependency on doctest, so the session fuzzer can use it too. Failures throw
// std::runtime_error, which doctest reports as a failed test.
#pragma once

#include <exproto/codec_abi.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jt808test {

enum class CallKind { send, close, authenticate, start_keepalive, publish, raw_publish, subscribe, unsubscribe };

/// One host call made by the codec, with every argument copied.
struct Call {
  CallKind kind = CallKind::send;
  std::uint64_t id = 0;  // 0 when the fake refused it
  std::string data;      // send: bytes; publish/raw_publish/subscribe/unsubscribe: topic
  std::string payload;   // publish/raw_publish
  std::uint32_t number = 0;  // qos, or keepalive interval
  std::string proto_name, proto_ver, clientid, username, mountpoint, password;
};

struct LogLine {
  std::int32_t level = 0;
  std::string text;
};

struct Delivery {
  std::string topic;
  std::string payload;
  std::uint32_t qos = 0;
};

struct Timer {
  std::uint64_t id = 0;
  std::uint64_t delay_ms = 0;
  std::uint64_t tag = 0;
  bool active = true;
};

class FakeHost {
 public:
  FakeHost();
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const exproto_host_api* api() const { return &api_; }
  std::uint64_t next_id() { return ++last_id_; }

  std::vector<LogLine> codec_logs;

 private:
  exproto_host_api api_{};
  std::uint64_t last_id_ = 0;
};

/// A codec library: opened with dlopen (closed on destruction), or linked in (entry function).
class CodecLibrary {
 public:
  CodecLibrary(const std::string& path, FakeHost& host);
  CodecLibrary(exproto_codec_entry_fn entry, FakeHost& host);
  ~CodecLibrary();
  CodecLibrary(const CodecLibrary&) = delete;
  CodecLibrary& operator=(const CodecLibrary&) = delete;

  const exproto_codec_descriptor& descriptor() const { return *descriptor_; }
  FakeHost& host() const { return host_; }

 private:
  void* handle_ = nullptr;
  const exproto_codec_descriptor* descriptor_ = nullptr;
  FakeHost& host_;
};

class CodecInstance {
 public:
  /// Throws when the codec refuses the config.
  CodecInstance(const CodecLibrary& library, std::string_view config_json);
  ~CodecInstance();
  CodecInstance(const CodecInstance&) = delete;
  CodecInstance& operator=(const CodecInstance&) = delete;

  struct Refusal {
    exproto_type_status status = EXPROTO_STATUS_OK;
    std::string reason;  // the last WARN/ERROR line logged during creation
  };
  /// Tries to create an instance and expects failure; nullopt when it succeeded.
  static std::optional<Refusal> refuse(const CodecLibrary& library, std::string_view config_json);

  const CodecLibrary& library() const { return library_; }
  exproto_type_codec_codec_ptr handle() const { return codec_; }

 private:
  const CodecLibrary& library_;
  exproto_type_codec_codec_ptr codec_ = nullptr;
};

/// One device connection. Opens on construction, closes (on_session_close) on destruction.
class FakeSession {
 public:
  explicit FakeSession(const CodecInstance& codec, std::string conn = "conn-1",
                       exproto_type_socktype socktype = EXPROTO_SOCK_TCP);
  ~FakeSession();
  FakeSession(const FakeSession&) = delete;
  FakeSession& operator=(const FakeSession&) = delete;

  exproto_type_status bytes(std::string_view data);
  exproto_type_status messages(const std::vector<Delivery>& deliveries);
  exproto_type_status keepalive_timeout();
  /// Delivers the result of the oldest call still waiting for one.
  exproto_type_status resolve_next(std::int32_t code = EXPROTO_RESULT_SUCCESS, std::string_view message = "");
  /// Resolves every waiting call with SUCCESS, except calls of `failing` which get `code`.
  exproto_type_status resolve_all(std::optional<CallKind> failing = std::nullopt,
                                  std::int32_t code = EXPROTO_RESULT_PERMISSION_DENY,
                                  std::string_view message = "");
  /// Fires an active timer (it becomes inactive first, as a real one-shot timer).
  exproto_type_status fire(std::uint64_t timer_id);
  /// Active timers in start order.
  std::vector<Timer> active_timers() const;
  void close(std::string_view reason = "{shutdown,tcp_closed}");
  bool is_open() const { return open_; }

  /// Bytes sent since the last call, concatenated.
  std::string take_sent();
  std::vector<Call> calls_of(CallKind kind) const;
  std::size_t waiting() const { return waiting_.size(); }
  bool close_requested() const { return !calls_of(CallKind::close).empty(); }
  bool logged(std::string_view fragment) const;

  // Used by the host API functions.
  std::uint64_t record(Call call);
  void log(std::int32_t level, std::string_view text) { logs.push_back({level, std::string(text)}); }
  std::uint64_t timer_start(std::uint64_t delay_ms, std::uint64_t tag);
  bool timer_cancel(std::uint64_t timer_id);

  std::vector<Call> calls;
  std::vector<LogLine> logs;
  std::vector<Timer> timers;
  bool refuse_calls = false;  // the host refuses every call that reaches EMQX (returns 0)
  bool bad_clientinfo = false;  // set when authenticate got a too-small clientinfo

 private:
  struct Waiting {
    std::uint64_t id;
    CallKind kind;
  };

  const CodecInstance& codec_;
  const exproto_codec_descriptor& d_;
  exproto_type_session_codec_ptr state_ = nullptr;
  bool open_ = false;
  std::deque<Waiting> waiting_;
  std::size_t sent_seen_ = 0;
};

}  // namespace jt808test
