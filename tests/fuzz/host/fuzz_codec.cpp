// The test codec of host_fuzz_events, a plain C-ABI descriptor linked into the fuzzer. Its hooks
// do what the device's bytes say (one action per byte: send, close, timers, publish, subscribe,
// authenticate, keepalive, fail) and check what the host promises a codec:
//   - two hooks of one session never run at once, and none runs after on_session_close;
//   - every result names a call this session made and has not had a result for yet;
//   - a timer fires only if it was started, has not fired and was not cancelled;
//   - on_codec_destroy comes after on_session_close of every session the codec opened.
// State lives in the instance (on_codec_create) and the sessions, so each input starts afresh.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "linked_codec.h"

namespace exproto::host::fuzz {
namespace {

struct Codec {
  const exproto_host_api* api;
  std::atomic<int> live_sessions{0};
};

struct CodecSession {
  Codec* codec;
  exproto_type_session_host_ptr host;
  std::atomic<bool> in_hook{false};
  std::set<uint64_t> calls;   // request ids without a result yet
  std::set<uint64_t> timers;  // timer ids started, not fired, not cancelled
  uint64_t last_timer = 0;
};

// Marks a hook of `s` as running; a second one entering meanwhile is a broken host.
class InHook {
 public:
  explicit InHook(CodecSession& s) : s_(s) { require(!s_.in_hook.exchange(true), "two hooks of one session at once"); }
  ~InHook() { s_.in_hook.store(false); }
  InHook(const InHook&) = delete;
  InHook& operator=(const InHook&) = delete;

 private:
  CodecSession& s_;
};

CodecSession& session(exproto_type_session_codec_ptr p) { return *static_cast<CodecSession*>(p); }

exproto_type_str str(const char* s) { return exproto_type_str{s, std::char_traits<char>::length(s)}; }

void track(CodecSession& s, uint64_t id) {
  if (id != 0) require(s.calls.insert(id).second, "the host handed out a request id twice");
}

void send_byte(CodecSession& s, uint8_t b) {
  track(s, s.codec->api->send(s.host, exproto_type_bytes{&b, 1}));
}

void start_timer(CodecSession& s, uint64_t delay_ms, uint64_t tag) {
  const uint64_t id = s.codec->api->timer_start(s.host, delay_ms, tag);
  if (id == 0) return;  // refused (max_timers)
  require(s.timers.insert(id).second, "the host handed out a timer id twice");
  s.last_timer = id;
}

// One action per byte; the high bits are its argument. Returns the hook's status.
exproto_type_status act(CodecSession& s, uint8_t b) {
  const exproto_host_api& api = *s.codec->api;
  const uint8_t arg = b >> 3;
  switch (b & 7) {
    case 0: send_byte(s, b); break;
    case 1: track(s, api.close(s.host)); break;
    case 2: start_timer(s, arg & 3, arg >> 2); break;
    case 3: {
      const uint64_t id = (arg & 1) != 0 ? s.last_timer : arg;
      if (api.timer_cancel(s.host, id)) require(s.timers.erase(id) == 1, "cancelled a timer that was not pending");
      break;
    }
    case 4: track(s, api.publish(s.host, str("t/fuzz"), arg % 3, exproto_type_bytes{&b, 1})); break;
    case 5: track(s, (arg & 1) != 0 ? api.subscribe(s.host, str("t/#"), arg % 3) : api.unsubscribe(s.host, str("t/#"))); break;
    case 6: {
      exproto_type_clientinfo ci{sizeof ci, str("fuzz"), str("1"), str("dev"), str(""), str("")};
      track(s, api.authenticate(s.host, &ci, str("pw")));
      break;
    }
    case 7:
      if ((arg & 1) != 0) return EXPROTO_STATUS_INVALID_INPUT;  // the host closes the conn
      track(s, api.start_keepalive(s.host, arg >> 1));
      break;
  }
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_codec_create(const exproto_host_api* host, exproto_type_codec_host_ptr, exproto_type_str,
                                    exproto_type_codec_codec_ptr* out) {
  *out = std::make_unique<Codec>(host).release();
  return EXPROTO_STATUS_OK;
}

void on_codec_destroy(exproto_type_codec_codec_ptr p) {
  std::unique_ptr<Codec> codec(static_cast<Codec*>(p));
  require(codec->live_sessions.load() == 0, "codec destroyed while sessions it opened were not closed");
}

exproto_type_status on_session_open(exproto_type_codec_codec_ptr p, exproto_type_session_host_ptr host,
                                    exproto_type_str, const exproto_type_conninfo* info,
                                    exproto_type_session_codec_ptr* out) {
  // Port 666: the codec refuses the device (the host closes the conn, no on_session_close).
  if (info->peer_port == 666) return EXPROTO_STATUS_ERROR;
  auto* codec = static_cast<Codec*>(p);
  auto s = std::make_unique<CodecSession>(codec, host);
  {
    InHook hook(*s);
    if (info->peer_port % 2 == 1) send_byte(*s, 0);  // a greeting from inside on_session_open
  }
  codec->live_sessions.fetch_add(1);
  *out = s.release();
  return EXPROTO_STATUS_OK;
}

void on_session_close(exproto_type_session_codec_ptr p, exproto_type_str) {
  std::unique_ptr<CodecSession> s(&session(p));
  InHook hook(*s);
  s->codec->live_sessions.fetch_sub(1);
}

exproto_type_status on_session_bytes(exproto_type_session_codec_ptr p, exproto_type_bytes data) {
  CodecSession& s = session(p);
  InHook hook(s);
  for (std::size_t i = 0; i < data.len; ++i) {
    if (const exproto_type_status st = act(s, data.ptr[i]); st != EXPROTO_STATUS_OK) return st;
  }
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_session_messages(exproto_type_session_codec_ptr p, const exproto_type_message* msgs,
                                        size_t count) {
  CodecSession& s = session(p);
  InHook hook(s);
  for (size_t i = 0; i < count; ++i) {
    if (msgs[i].payload.len != 0) send_byte(s, msgs[i].payload.ptr[0]);
  }
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_session_keepalive_timeout(exproto_type_session_codec_ptr p) {
  CodecSession& s = session(p);
  InHook hook(s);
  send_byte(s, 'k');
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_session_timer(exproto_type_session_codec_ptr p, uint64_t timer_id, uint64_t tag) {
  CodecSession& s = session(p);
  InHook hook(s);
  require(s.timers.erase(timer_id) == 1, "a timer fired that was not pending");
  send_byte(s, 't');
  if (tag > 0) start_timer(s, 1, tag - 1);  // a chain of at most 7: bounded work per input
  return EXPROTO_STATUS_OK;
}

exproto_type_status on_session_result(exproto_type_session_codec_ptr p, const exproto_type_call_result* r) {
  CodecSession& s = session(p);
  InHook hook(s);
  require(s.calls.erase(r->request_id) == 1, "a result for a call that was not outstanding");
  // Non-Send results answer with one Send: results of Sends end the chain.
  if (r->kind != EXPROTO_CALL_SEND && r->code == EXPROTO_RESULT_SUCCESS) send_byte(s, 'r');
  return EXPROTO_STATUS_OK;
}

constexpr exproto_codec_descriptor kDescriptor{
    sizeof(exproto_codec_descriptor),
    EXPROTO_ABI_MAJOR,
    EXPROTO_ABI_MINOR,
    "fuzz",
    "1.0.0",
    "exproto fuzz",
    &on_codec_create,
    &on_codec_destroy,
    &on_session_open,
    &on_session_close,
    &on_session_bytes,
    &on_session_messages,
    &on_session_keepalive_timeout,
    &on_session_timer,
    &on_session_result,
    nullptr,  // no export/import: migrations are not what this fuzzer drives
    nullptr,
};

}  // namespace
}  // namespace exproto::host::fuzz

extern "C" const exproto_codec_descriptor* exproto_codec_entry_v1(const exproto_host_api*) {
  return &exproto::host::fuzz::kDescriptor;
}
