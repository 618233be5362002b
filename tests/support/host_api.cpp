// The host API table: C functions that copy each call's arguments into the FakeSession.
#include "fake_host.h"

#include <utility>

namespace codectest {
namespace {

std::string text(exproto_type_str s) { return s.len == 0 ? std::string() : std::string(s.ptr, s.len); }
std::string text(exproto_type_bytes b) {
  return b.len == 0 ? std::string() : std::string(reinterpret_cast<const char*>(b.ptr), b.len);
}
FakeSession& session_of(exproto_type_session_host_ptr p) { return *static_cast<FakeSession*>(p); }

Call make_call(CallKind kind, std::string data = {}, std::string payload = {}, std::uint32_t number = 0) {
  Call c;
  c.kind = kind;
  c.data = std::move(data);
  c.payload = std::move(payload);
  c.number = number;
  return c;
}

void host_log(exproto_type_codec_host_ptr codec, int32_t level, exproto_type_str msg) {
  if (codec != nullptr) static_cast<FakeHost*>(codec)->codec_logs.push_back({level, text(msg)});
}
void host_session_log(exproto_type_session_host_ptr s, int32_t level, exproto_type_str msg) {
  session_of(s).log(level, text(msg));
}
uint64_t host_send(exproto_type_session_host_ptr s, exproto_type_bytes data) {
  return session_of(s).record(make_call(CallKind::send, text(data)));
}
uint64_t host_close(exproto_type_session_host_ptr s) { return session_of(s).record(make_call(CallKind::close)); }
uint64_t host_authenticate(exproto_type_session_host_ptr s, const exproto_type_clientinfo* ci, exproto_type_str pw) {
  // A violation, not a throw: an exception must not unwind through the codec's C boundary.
  if (ci->struct_size < sizeof(exproto_type_clientinfo)) {
    session_of(s).host().violation("authenticate: clientinfo struct_size too small");
  }
  Call c = make_call(CallKind::authenticate);
  c.proto_name = text(ci->proto_name);
  c.proto_ver = text(ci->proto_ver);
  c.clientid = text(ci->clientid);
  c.username = text(ci->username);
  c.mountpoint = text(ci->mountpoint);
  c.password = text(pw);
  return session_of(s).record(std::move(c));
}
uint64_t host_start_keepalive(exproto_type_session_host_ptr s, uint32_t interval_s) {
  return session_of(s).record(make_call(CallKind::start_keepalive, {}, {}, interval_s));
}
uint64_t host_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos, exproto_type_bytes payload) {
  return session_of(s).record(make_call(CallKind::publish, text(topic), text(payload), qos));
}
uint64_t host_raw_publish(exproto_type_session_host_ptr s, exproto_type_str topic, uint32_t qos,
                          exproto_type_bytes payload) {
  return session_of(s).record(make_call(CallKind::raw_publish, text(topic), text(payload), qos));
}
uint64_t host_subscribe(exproto_type_session_host_ptr s, exproto_type_str filter, uint32_t qos) {
  return session_of(s).record(make_call(CallKind::subscribe, text(filter), {}, qos));
}
uint64_t host_unsubscribe(exproto_type_session_host_ptr s, exproto_type_str filter) {
  return session_of(s).record(make_call(CallKind::unsubscribe, text(filter)));
}
uint64_t host_timer_start(exproto_type_session_host_ptr s, uint64_t delay_ms, uint64_t tag) {
  auto& session = session_of(s);
  if (!session.host().timers_allowed()) {
    session.host().violation("unexpected timer_start");
    return 0;
  }
  return session.timer_start(delay_ms, tag);
}
bool host_timer_cancel(exproto_type_session_host_ptr s, uint64_t timer_id) {
  auto& session = session_of(s);
  if (!session.host().timers_allowed()) {
    session.host().violation("unexpected timer_cancel");
    return false;
  }
  return session.timer_cancel(timer_id);
}

}  // namespace

FakeHost::FakeHost(Options options) : options_(std::move(options)) {
  api_.struct_size = sizeof(exproto_host_api);
  api_.abi_major = EXPROTO_ABI_MAJOR;
  api_.abi_minor = EXPROTO_ABI_MINOR;
  api_.host_version = options_.host_version.c_str();  // options_ lives as long as api_
  api_.log = &host_log;
  api_.session_log = &host_session_log;
  api_.send = &host_send;
  api_.close = &host_close;
  api_.authenticate = &host_authenticate;
  api_.start_keepalive = &host_start_keepalive;
  api_.publish = &host_publish;
  api_.raw_publish = &host_raw_publish;
  api_.subscribe = &host_subscribe;
  api_.unsubscribe = &host_unsubscribe;
  api_.timer_start = &host_timer_start;
  api_.timer_cancel = &host_timer_cancel;
}

void FakeHost::violation(std::string what) {
  if (options_.on_violation != nullptr) options_.on_violation(what);
  violations.push_back(std::move(what));
}

}  // namespace codectest
