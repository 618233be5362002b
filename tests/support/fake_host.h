// A stand-in for exproto-host in codec tests and fuzzers: it implements the host API table,
// records every call a codec makes, hands out request ids, records host timers (fired on demand),
// and drives a codec's hooks on a real codec library — loaded with dlopen, the same path the real
// host takes minus gRPC, or linked in through its entry function (fuzzers).
// No doctest dependency, so fuzzers can use it: failures throw std::runtime_error (doctest reports
// it as a failed test), and host-contract violations seen inside host functions, where nothing
// may be thrown through the codec's C boundary, go to Options::on_violation (checked_host.h turns
// them into doctest CHECK failures).
#pragma once

#include <exproto/codec_abi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace codectest {

enum class CallKind { send, close, authenticate, start_keepalive, publish, raw_publish, subscribe, unsubscribe };

/// One host call made by the codec, with every argument copied.
struct Call {
  CallKind kind = CallKind::send;
  std::uint64_t id = 0;  // 0 when the fake refused it
  std::string data;      // send: bytes; publish/raw_publish/subscribe/unsubscribe: topic
  std::string payload;   // publish/raw_publish
  std::uint32_t number = 0;  // qos, or keepalive interval
  // authenticate
  std::string proto_name, proto_ver, clientid, username, mountpoint, password;
};

struct LogLine {
  std::int32_t level = 0;
  std::string text;
};

/// A delivered message as a test writes it.
struct Delivery {
  std::string topic;
  std::string payload;
  std::uint32_t qos = 0;
};

/// A host timer the codec started (one-shot).
struct Timer {
  std::uint64_t id = 0;
  std::uint64_t delay_ms = 0;
  std::uint64_t tag = 0;
  bool active = true;
};

/// Owns the host API table. One per test; must outlive the libraries and sessions using it.
class FakeHost {
 public:
  /// Called with a description of each host-contract violation; must not throw.
  using ViolationHandler = void (*)(std::string_view what);
  struct Options {
    std::string host_version = "codec-tests";
    bool timers = true;  // false: timer_start/timer_cancel are violations (codecs that use none)
    ViolationHandler on_violation = nullptr;  // nullptr: only recorded in violations
  };

  FakeHost() : FakeHost(Options{}) {}
  explicit FakeHost(Options options);
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const exproto_host_api* api() const { return &api_; }
  std::uint64_t next_id() { return ++last_id_; }
  bool timers_allowed() const { return options_.timers; }
  void violation(std::string what);

  std::vector<LogLine> codec_logs;
  std::vector<std::string> violations;

 private:
  Options options_;
  exproto_host_api api_{};
  std::uint64_t last_id_ = 0;
};

/// A codec library: opened with dlopen (closed on destruction), or linked in (entry function).
class CodecLibrary {
 public:
  CodecLibrary(const std::string& path, FakeHost& host);
  CodecLibrary(exproto_codec_entry_fn entry, FakeHost& host);
  CodecLibrary(const CodecLibrary&) = delete;
  CodecLibrary& operator=(const CodecLibrary&) = delete;

  const exproto_codec_descriptor& descriptor() const { return *descriptor_; }
  FakeHost& host() const { return host_; }

 private:
  struct DlClose {
    void operator()(void* handle) const;
  };
  void init(exproto_codec_entry_fn entry, const std::string& what);

  // A member, so the library is closed even when the constructor throws after dlopen.
  std::unique_ptr<void, DlClose> handle_;
  const exproto_codec_descriptor* descriptor_ = nullptr;
  FakeHost& host_;
};

/// One codec instance (on_codec_create … on_codec_destroy).
class CodecInstance {
 public:
  /// Creates the instance; throws when the codec refuses the config.
  CodecInstance(const CodecLibrary& library, std::string_view config_json);
  ~CodecInstance();
  CodecInstance(const CodecInstance&) = delete;
  CodecInstance& operator=(const CodecInstance&) = delete;

  struct Refusal {
    exproto_type_status status = EXPROTO_STATUS_OK;
    std::string reason;  // the last WARN/ERROR line logged during creation
  };
  /// Tries to create an instance and expects failure; returns the status and reason, or nullopt
  /// when creation unexpectedly succeeded (the instance is destroyed at once).
  static std::optional<Refusal> refuse(const CodecLibrary& library, std::string_view config_json);

  const CodecLibrary& library() const { return library_; }
  exproto_type_codec_codec_ptr handle() const { return codec_; }

 private:
  const CodecLibrary& library_;
  exproto_type_codec_codec_ptr codec_ = nullptr;
};

/// Throws std::runtime_error(what) unless ok: the harness's assertion.
void expect(bool ok, const std::string& what);

}  // namespace codectest

#include "fake_session.h"  // IWYU pragma: export — every user needs both halves
