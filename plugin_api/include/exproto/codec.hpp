// Header-only C++ SDK over codec_abi.h: a codec is a class deriving exproto::Codec that opens
// exproto::Session objects. Everything here is compiled into the codec library; it links against
// nothing of the host. Every hook is wrapped in a catch-all barrier: an escaping exception becomes
// an error status and a log line, never an unwinding across the C boundary.
#pragma once

#include <exproto/codec_abi.h>

#include <concepts>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace exproto {

using Status = exproto_type_status;
inline constexpr Status kOk = EXPROTO_STATUS_OK;
inline constexpr Status kError = EXPROTO_STATUS_ERROR;
inline constexpr Status kInvalidInput = EXPROTO_STATUS_INVALID_INPUT;
inline constexpr Status kLimit = EXPROTO_STATUS_LIMIT;

enum class LogLevel : int32_t {
  trace = EXPROTO_LOG_TRACE,
  debug = EXPROTO_LOG_DEBUG,
  info = EXPROTO_LOG_INFO,
  warn = EXPROTO_LOG_WARN,
  error = EXPROTO_LOG_ERROR,
};

enum class SocketType : int32_t {
  tcp = EXPROTO_SOCK_TCP,
  ssl = EXPROTO_SOCK_SSL,
  udp = EXPROTO_SOCK_UDP,
  dtls = EXPROTO_SOCK_DTLS,
};

enum class CallKind : int32_t {
  send = EXPROTO_CALL_SEND,
  close = EXPROTO_CALL_CLOSE,
  authenticate = EXPROTO_CALL_AUTHENTICATE,
  start_keepalive = EXPROTO_CALL_START_KEEPALIVE,
  publish = EXPROTO_CALL_PUBLISH,
  subscribe = EXPROTO_CALL_SUBSCRIBE,
  unsubscribe = EXPROTO_CALL_UNSUBSCRIBE,
  raw_publish = EXPROTO_CALL_RAW_PUBLISH,
};

/// Thrown by codec code to fail a hook with a specific status; any other exception fails it with
/// kError. Either way the host closes that one connection.
class Error : public std::exception {
 public:
  Error(Status status, std::string message) : status_(status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  Status status() const noexcept { return status_; }

 private:
  Status status_;
  std::string message_;
};

namespace detail {
inline std::string_view view(exproto_type_str s) { return s.len == 0 ? std::string_view{} : std::string_view{s.ptr, s.len}; }
inline exproto_type_str str(std::string_view s) { return exproto_type_str{s.data(), s.size()}; }
inline exproto_type_bytes bytes(std::span<const uint8_t> b) { return exproto_type_bytes{b.data(), b.size()}; }
inline exproto_type_bytes bytes(std::string_view s) {
  return exproto_type_bytes{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
}  // namespace detail

struct ConnInfo {
  SocketType socktype = SocketType::tcp;
  std::string_view peer_host;
  uint32_t peer_port = 0;
  std::string_view sock_host;
  uint32_t sock_port = 0;
  std::string_view cert_cn;
  std::string_view cert_dn;
};

struct ClientInfo {
  std::string_view proto_name;
  std::string_view proto_ver;
  std::string_view clientid;
  std::string_view username;
  std::string_view mountpoint;
};

/// A delivered message; views are valid during on_messages only.
struct Message {
  std::string_view node;
  std::string_view id;
  uint32_t qos = 0;
  std::string_view from;
  std::string_view topic;
  std::string_view payload;
  uint64_t timestamp_ms = 0;
};

/// The outcome of a host call; `message` is valid during on_result only.
struct CallResult {
  uint64_t request_id = 0;
  CallKind kind = CallKind::send;
  int32_t code = EXPROTO_RESULT_SUCCESS;
  std::string_view message;
  bool ok() const { return code == EXPROTO_RESULT_SUCCESS; }
};

/// Logging for a codec instance; usable from any thread.
class CodecContext {
 public:
  CodecContext(const exproto_host_api* api, exproto_type_codec_host_ptr handle) : api_(api), handle_(handle) {}
  void log(LogLevel level, std::string_view msg) const {
    api_->log(handle_, static_cast<int32_t>(level), detail::str(msg));
  }
  const exproto_host_api* api() const { return api_; }

 private:
  const exproto_host_api* api_;
  exproto_type_codec_host_ptr handle_;
};

/// The host functions bound to one session. Use only from inside that session's hooks.
class SessionHost {
 public:
  SessionHost(const exproto_host_api* api, exproto_type_session_host_ptr handle) : api_(api), handle_(handle) {}

  uint64_t send(std::string_view data) { return api_->send(handle_, detail::bytes(data)); }
  uint64_t send(std::span<const uint8_t> data) { return api_->send(handle_, detail::bytes(data)); }
  uint64_t close() { return api_->close(handle_); }
  uint64_t authenticate(const ClientInfo& info, std::string_view password) {
    exproto_type_clientinfo ci{sizeof(exproto_type_clientinfo), detail::str(info.proto_name),
                               detail::str(info.proto_ver),     detail::str(info.clientid),
                               detail::str(info.username),      detail::str(info.mountpoint)};
    return api_->authenticate(handle_, &ci, detail::str(password));
  }
  uint64_t start_keepalive(uint32_t interval_s) { return api_->start_keepalive(handle_, interval_s); }
  uint64_t publish(std::string_view topic, uint32_t qos, std::string_view payload) {
    return api_->publish(handle_, detail::str(topic), qos, detail::bytes(payload));
  }
  uint64_t raw_publish(std::string_view topic, uint32_t qos, std::string_view payload) {
    return api_->raw_publish(handle_, detail::str(topic), qos, detail::bytes(payload));
  }
  uint64_t subscribe(std::string_view filter, uint32_t qos) {
    return api_->subscribe(handle_, detail::str(filter), qos);
  }
  uint64_t unsubscribe(std::string_view filter) { return api_->unsubscribe(handle_, detail::str(filter)); }
  uint64_t timer_start(uint64_t delay_ms, uint64_t tag) { return api_->timer_start(handle_, delay_ms, tag); }
  bool timer_cancel(uint64_t timer_id) { return api_->timer_cancel(handle_, timer_id); }
  void log(LogLevel level, std::string_view msg) {
    api_->session_log(handle_, static_cast<int32_t>(level), detail::str(msg));
  }

 private:
  const exproto_host_api* api_;
  exproto_type_session_host_ptr handle_;
};

/// One device connection's state. Hooks of one session never run concurrently.
class Session {
 public:
  explicit Session(SessionHost host) : host_(host) {}
  virtual ~Session() = default;
  virtual Status on_bytes(std::span<const uint8_t> data) = 0;
  virtual Status on_messages(std::span<const Message> /*messages*/) { return kOk; }
  virtual Status on_keepalive_timeout() { return kOk; }
  virtual Status on_timer(uint64_t /*timer_id*/, uint64_t /*tag*/) { return kOk; }
  virtual Status on_result(const CallResult& /*result*/) { return kOk; }
  /// The connection is gone; only host().log may be used here. "host:migrated" means a hot reload
  /// moved the session to the next generation of the codec: just let go, do not act.
  virtual void on_close(std::string_view /*reason*/) {}
  /// Hot reload (ABI 1.1): append this session's state to `out` for the next generation's
  /// Codec::import_session. Called between two events; the session continues here if the import
  /// fails. Return kOk, or EXPROTO_STATUS_UNSUPPORTED to keep this session on its generation.
  virtual Status export_state(std::string& /*out*/) { return EXPROTO_STATUS_UNSUPPORTED; }

 protected:
  SessionHost& host() { return host_; }

 private:
  SessionHost host_;
};

/// A codec instance: one per route configuration, shared by that route's sessions (possibly from
/// several threads at once, so keep it read-only after construction).
class Codec {
 public:
  virtual ~Codec() = default;
  /// Returns the new session; nullptr or an exception refuses the connection.
  virtual std::unique_ptr<Session> open(SessionHost host, std::string_view conn, const ConnInfo& info) = 0;
  // Hot reload (ABI 1.1): a codec class that also declares
  //   std::unique_ptr<Session> import_session(SessionHost host, std::string_view conn,
  //                                           const ConnInfo& info, std::string_view state);
  // accepts sessions exported (Session::export_state) by an earlier generation; only then does the
  // descriptor carry the export/import hooks. nullptr or an exception refuses the import.
};

/// True for a codec class that can continue sessions of an earlier generation.
template <class C>
concept ImportsSessions = requires(C& c, SessionHost h, std::string_view s, const ConnInfo& i) {
  { c.import_session(h, s, i, s) } -> std::convertible_to<std::unique_ptr<Session>>;
};

namespace detail {

struct CodecBox {
  CodecContext context;
  std::unique_ptr<Codec> codec;
};

struct SessionBox {
  SessionHost host;
  std::unique_ptr<Session> session;
};

inline Status fail(SessionHost& host, Status status, const char* what) {
  host.log(LogLevel::error, what);
  return status;
}

// Runs a session hook inside the barrier.
template <class F>
Status guarded(void* state, F&& f) noexcept {
  auto* box = static_cast<SessionBox*>(state);
  try {
    return f(*box->session);
  } catch (const Error& e) {
    return fail(box->host, e.status() == kOk ? kError : e.status(), e.what());
  } catch (const std::exception& e) {
    return fail(box->host, kError, e.what());
  } catch (...) {
    return fail(box->host, kError, "unknown exception escaped the codec");
  }
}

template <class C>
struct Trampolines {
  static Status create(const exproto_host_api* api, exproto_type_codec_host_ptr handle, exproto_type_str config,
                       exproto_type_codec_codec_ptr* out) noexcept {
    CodecContext ctx{api, handle};
    try {
      auto box = std::make_unique<CodecBox>(CodecBox{ctx, std::make_unique<C>(ctx, view(config))});
      *out = box.release();  // ownership passes to the host until destroy()
      return kOk;
    } catch (const Error& e) {
      ctx.log(LogLevel::error, e.what());
      return e.status() == kOk ? kError : e.status();
    } catch (const std::exception& e) {
      ctx.log(LogLevel::error, e.what());
      return kError;
    } catch (...) {
      ctx.log(LogLevel::error, "unknown exception escaped codec creation");
      return kError;
    }
  }

  static void destroy(exproto_type_codec_codec_ptr codec) noexcept {
    std::unique_ptr<CodecBox> box(static_cast<CodecBox*>(codec));
  }

  static Status open(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr session, exproto_type_str conn,
                     const exproto_type_conninfo* ci, exproto_type_session_codec_ptr* out) noexcept {
    auto* cbox = static_cast<CodecBox*>(codec);
    SessionHost host{cbox->context.api(), session};
    try {
      ConnInfo info{static_cast<SocketType>(ci->socktype), view(ci->peer_host), ci->peer_port, view(ci->sock_host),
                    ci->sock_port, view(ci->cert_cn), view(ci->cert_dn)};
      auto s = cbox->codec->open(host, view(conn), info);
      if (!s) return fail(host, kError, "codec refused the connection");
      *out = std::make_unique<SessionBox>(SessionBox{host, std::move(s)}).release();
      return kOk;
    } catch (const Error& e) {
      return fail(host, e.status() == kOk ? kError : e.status(), e.what());
    } catch (const std::exception& e) {
      return fail(host, kError, e.what());
    } catch (...) {
      return fail(host, kError, "unknown exception escaped session open");
    }
  }

  static void close(exproto_type_session_codec_ptr state, exproto_type_str reason) noexcept {
    std::unique_ptr<SessionBox> box(static_cast<SessionBox*>(state));
    try {
      box->session->on_close(view(reason));
    } catch (...) {
      box->host.log(LogLevel::error, "exception escaped on_close; ignored");
    }
  }

  static Status export_state(exproto_type_session_codec_ptr state, const exproto_type_state_writer* w) noexcept {
    return guarded(state, [&](Session& s) {
      std::string out;
      const Status st = s.export_state(out);
      if (st != kOk) return st;
      return w->write(w->writer, detail::bytes(std::string_view(out))) ? kOk : kLimit;
    });
  }

  static Status import_state(exproto_type_codec_codec_ptr codec, exproto_type_session_host_ptr session,
                             exproto_type_str conn, const exproto_type_conninfo* ci, exproto_type_bytes state,
                             exproto_type_session_codec_ptr* out) noexcept {
    auto* cbox = static_cast<CodecBox*>(codec);
    SessionHost host{cbox->context.api(), session};
    try {
      ConnInfo info{static_cast<SocketType>(ci->socktype), view(ci->peer_host), ci->peer_port, view(ci->sock_host),
                    ci->sock_port, view(ci->cert_cn), view(ci->cert_dn)};
      if constexpr (ImportsSessions<C>) {
        auto s = static_cast<C&>(*cbox->codec).import_session(
            host, view(conn), info, std::string_view(reinterpret_cast<const char*>(state.ptr), state.len));
        if (!s) return fail(host, kError, "codec refused to import the session");
        *out = std::make_unique<SessionBox>(SessionBox{host, std::move(s)}).release();
        return kOk;
      } else {
        return EXPROTO_STATUS_UNSUPPORTED;
      }
    } catch (const Error& e) {
      return fail(host, e.status() == kOk ? kError : e.status(), e.what());
    } catch (const std::exception& e) {
      return fail(host, kError, e.what());
    } catch (...) {
      return fail(host, kError, "unknown exception escaped session import");
    }
  }

  static Status bytes(exproto_type_session_codec_ptr state, exproto_type_bytes data) noexcept {
    return guarded(state, [&](Session& s) { return s.on_bytes(std::span<const uint8_t>(data.ptr, data.len)); });
  }

  static Status messages(exproto_type_session_codec_ptr state, const exproto_type_message* msgs, size_t n) noexcept {
    return guarded(state, [&](Session& s) {
      std::vector<Message> out;
      out.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        const auto& m = msgs[i];
        out.push_back(Message{view(m.node), view(m.id), m.qos, view(m.from), view(m.topic),
                              std::string_view(reinterpret_cast<const char*>(m.payload.ptr), m.payload.len),
                              m.timestamp_ms});
      }
      return s.on_messages(out);
    });
  }

  static Status keepalive(exproto_type_session_codec_ptr state) noexcept {
    return guarded(state, [&](Session& s) { return s.on_keepalive_timeout(); });
  }

  static Status timer(exproto_type_session_codec_ptr state, uint64_t id, uint64_t tag) noexcept {
    return guarded(state, [&](Session& s) { return s.on_timer(id, tag); });
  }

  static Status result(exproto_type_session_codec_ptr state, const exproto_type_call_result* r) noexcept {
    return guarded(state, [&](Session& s) {
      return s.on_result(CallResult{r->request_id, static_cast<CallKind>(r->kind), r->code, view(r->message)});
    });
  }
};

template <class C>
const exproto_codec_descriptor* descriptor(const exproto_host_api* host, const char* name, const char* version,
                                           const char* vendor) noexcept {
  if (host == nullptr || host->abi_major != EXPROTO_ABI_MAJOR) return nullptr;
  static const exproto_codec_descriptor d{
      sizeof(exproto_codec_descriptor), EXPROTO_ABI_MAJOR,   EXPROTO_ABI_MINOR,       name, version, vendor,
      &Trampolines<C>::create,          &Trampolines<C>::destroy,
      &Trampolines<C>::open,            &Trampolines<C>::close,
      &Trampolines<C>::bytes,           &Trampolines<C>::messages,
      &Trampolines<C>::keepalive,       &Trampolines<C>::timer,
      &Trampolines<C>::result,
      ImportsSessions<C> ? &Trampolines<C>::export_state : nullptr,
      ImportsSessions<C> ? &Trampolines<C>::import_state : nullptr,
  };
  return &d;
}

}  // namespace detail
}  // namespace exproto

/// Defines the codec's entry point. Use once per library, at namespace scope:
///   EXPROTO_CODEC(MyCodec, "mycodec", "1.0.0", "ACME")
/// where MyCodec derives exproto::Codec and has a constructor (CodecContext, std::string_view config_json).
#define EXPROTO_CODEC(CodecClass, name, version, vendor)                                                  \
  extern "C" __attribute__((visibility("default"))) const exproto_codec_descriptor* exproto_codec_entry_v1( \
      const exproto_host_api* host) {                                                                      \
    return ::exproto::detail::descriptor<CodecClass>(host, name, version, vendor);                         \
  }
